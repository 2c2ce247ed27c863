package io.flinkdistill.pipeline.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.schemas.DistillMetrics;
import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * {@link DistillMetrics} as a flat JSON object with the schema's field names (what {@code distill
 * monitor --json} prints, one per line, and {@code distill report --input} reads back): numbers as
 * numbers, null for an absent optional value, maps as objects, the timestamp in milliseconds.
 */
public final class MetricsJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsJson() {}

    public static ObjectNode toJson(DistillMetrics m) {
        return toJson((org.apache.avro.generic.IndexedRecord) m);
    }

    /** A record (the metrics, or one nested in them) as a JSON object. */
    private static ObjectNode toJson(org.apache.avro.generic.IndexedRecord m) {
        ObjectNode o = JSON.createObjectNode();
        for (Schema.Field f : m.getSchema().getFields()) {
            Object v = m.get(f.pos());
            if (v == null) {
                o.putNull(f.name());
            } else if (v instanceof Instant t) {
                o.put(f.name(), t.toEpochMilli());
            } else if (v instanceof Map<?, ?> map) {
                ObjectNode inner = o.putObject(f.name());
                map.forEach((k, x) -> inner.put(k.toString(), ((Number) x).doubleValue()));
            } else if (v instanceof Double d) {
                o.put(f.name(), d);
            } else if (v instanceof Long l) {
                o.put(f.name(), l);
            } else if (v instanceof Integer i) {
                o.put(f.name(), i);
            } else if (v instanceof Boolean b) {
                o.put(f.name(), b);
            } else if (v instanceof List<?> list) {
                var array = o.putArray(f.name());
                for (Object item : list) {
                    array.add(toJson((org.apache.avro.generic.IndexedRecord) item));
                }
            } else {
                o.put(f.name(), v.toString());
            }
        }
        return o;
    }

    public static String toLine(DistillMetrics m) {
        return toJson(m).toString();
    }

    /** Reads one line written by {@link #toLine}; fields missing in old recordings get defaults. */
    public static DistillMetrics fromLine(String line) throws IOException {
        JsonNode o = JSON.readTree(line);
        if (o == null || !o.isObject()) {
            throw new IOException("not a JSON object: " + abbreviate(line));
        }
        DistillMetrics m = new DistillMetrics();
        for (Schema.Field f : DistillMetrics.getClassSchema().getFields()) {
            JsonNode v = o.get(f.name());
            if (v == null) {
                if (!f.hasDefaultValue()) {
                    throw new IOException("missing field '" + f.name() + "': " + abbreviate(line));
                }
                Object d = org.apache.avro.specific.SpecificData.get().getDefaultValue(f);
                m.put(f.pos(), d instanceof CharSequence c ? c.toString() : d);
                continue;
            }
            m.put(f.pos(), value(f.schema(), v, f.name()));
        }
        return m;
    }

    private static Object value(Schema s, JsonNode v, String name) throws IOException {
        if (s.getType() == Schema.Type.UNION) {
            if (v.isNull()) {
                return null;
            }
            for (Schema branch : s.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    return value(branch, v, name);
                }
            }
        }
        return switch (s.getType()) {
            case DOUBLE -> v.asDouble();
            case FLOAT -> (float) v.asDouble();
            case INT -> v.asInt();
            case LONG -> s.getLogicalType() != null ? Instant.ofEpochMilli(v.asLong()) : v.asLong();
            case BOOLEAN -> v.asBoolean();
            case STRING -> v.asText();
            case MAP -> {
                Map<String, Double> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    map.put(e.getKey(), e.getValue().asDouble());
                }
                yield map;
            }
            case ARRAY -> {
                List<Object> list = new java.util.ArrayList<>();
                for (JsonNode item : v) {
                    list.add(value(s.getElementType(), item, name));
                }
                yield list;
            }
            case RECORD -> {
                var r =
                        (org.apache.avro.generic.IndexedRecord)
                                org.apache.avro.specific.SpecificData.get().newRecord(null, s);
                for (Schema.Field f : s.getFields()) {
                    JsonNode x = v.get(f.name());
                    if (x == null) {
                        if (!f.hasDefaultValue()) {
                            throw new IOException("missing field '" + name + "." + f.name() + "'");
                        }
                        r.put(
                                f.pos(),
                                org.apache.avro.specific.SpecificData.get().getDefaultValue(f));
                    } else {
                        r.put(f.pos(), value(f.schema(), x, name + "." + f.name()));
                    }
                }
                yield r;
            }
            default -> throw new IOException("field '" + name + "' has unsupported type " + s);
        };
    }

    private static String abbreviate(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }
}
