package io.flinkdistill.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The two wire forms of a {@link ControlCommand} on {@code distill.control}: Avro single-object
 * encoding (what programs send) and a JSON object (what people type into Kafka's own console
 * producer), for example:
 *
 * <pre>{"id":"ops-7","issuer":"alice","type":"set-temperature","values":{"temperature":2}}</pre>
 *
 * <p>In JSON, {@code type} may be written SET_TEMPERATURE or set-temperature; {@code student}
 * (default: every student), {@code values} (default: none) and {@code timestamp} (milliseconds,
 * default: when decoded) may be left out.
 */
public final class ControlCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ControlCommands() {}

    /** Decodes either form; the message of the exception says what is wrong. */
    public static ControlCommand decode(byte[] value) throws IOException {
        if (value == null || value.length == 0) {
            throw new IOException("empty record");
        }
        if (looksLikeJson(value)) {
            return fromJson(new String(value, StandardCharsets.UTF_8));
        }
        return ControlCommand.fromByteBuffer(ByteBuffer.wrap(value));
    }

    private static boolean looksLikeJson(byte[] value) {
        for (byte b : value) {
            if (!Character.isWhitespace(b)) {
                return b == '{';
            }
        }
        return false;
    }

    /** A command from its JSON form. */
    public static ControlCommand fromJson(String json) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("a JSON control command must be an object");
        }
        ControlCommand.Builder b = ControlCommand.newBuilder();
        b.setId(text(root, "id", true));
        String issuer = text(root, "issuer", false);
        b.setIssuer(issuer == null ? "unknown" : issuer);
        b.setType(type(text(root, "type", true)));
        b.setStudent(text(root, "student", false));
        Map<String, Double> values = new LinkedHashMap<>();
        JsonNode v = root.get("values");
        if (v != null && !v.isNull()) {
            if (!v.isObject()) {
                throw new IOException("'values' must be an object of numbers");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber()) {
                    throw new IOException(
                            "value '" + e.getKey() + "' must be a number, got " + e.getValue());
                }
                values.put(e.getKey(), e.getValue().doubleValue());
            }
        }
        b.setValues(values);
        JsonNode ts = root.get("timestamp");
        b.setTimestamp(
                ts != null && ts.canConvertToLong()
                        ? Instant.ofEpochMilli(ts.asLong())
                        : Instant.now());
        return b.build();
    }

    /** The JSON form of a command (what {@link #fromJson} reads back). */
    public static String toJson(ControlCommand c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.getId());
        m.put("issuer", c.getIssuer());
        m.put("type", c.getType().name());
        if (c.getStudent() != null) {
            m.put("student", c.getStudent());
        }
        m.put("values", c.getValues());
        m.put("timestamp", c.getTimestamp().toEpochMilli());
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A type as written by people: set-loss-weights, SET_LOSS_WEIGHTS, publish-now, ... */
    public static ControlType type(String name) throws IOException {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            ControlType t = ControlType.valueOf(n);
            if (t != ControlType.UNKNOWN) {
                return t;
            }
        } catch (IllegalArgumentException e) {
            // fall through to the message
        }
        StringBuilder allowed = new StringBuilder();
        for (ControlType t : ControlType.values()) {
            if (t != ControlType.UNKNOWN) {
                allowed.append(allowed.length() == 0 ? "" : ", ")
                        .append(t.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
        }
        throw new IOException("unknown command type '" + name + "'; allowed: " + allowed);
    }

    private static String text(JsonNode root, String field, boolean required) throws IOException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new IOException("missing '" + field + "'");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new IOException("'" + field + "' must be a string, got " + n);
        }
        return n.asText();
    }
}
