package io.flinkdistill.pipeline.input;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How to read the records of one samples topic: their format and where the text, the label and the
 * id are. A record without the label field is unlabelled; one without the id field gets its
 * coordinates ({@code topic/partition/offset}) as its id, stable across replays.
 */
public record TopicInput(InputFormat format, FieldPath text, FieldPath label, FieldPath id)
        implements Serializable {

    public static final TopicInput DEFAULT =
            new TopicInput(
                    InputFormat.AVRO_TRAINING_SAMPLE,
                    FieldPath.parse("text"),
                    FieldPath.parse("label"),
                    FieldPath.parse("id"));

    /**
     * Applies {@code key=value,...} settings ({@code format}, {@code text-field}, {@code
     * label-field}, {@code id-field}) over this mapping, as in {@code --topic-input
     * reviews:format=json,text-field=review.body}.
     */
    public TopicInput with(String settings) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : settings.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "'" + part + "' is not key=value (keys: " + KEYS + ")");
            }
            kv.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        TopicInput t = this;
        for (Map.Entry<String, String> e : kv.entrySet()) {
            String v = e.getValue();
            t =
                    switch (e.getKey()) {
                        case "format" ->
                                new TopicInput(InputFormat.parse(v), t.text, t.label, t.id);
                        case "text-field" ->
                                new TopicInput(t.format, FieldPath.parse(v), t.label, t.id);
                        case "label-field" ->
                                new TopicInput(t.format, t.text, FieldPath.parse(v), t.id);
                        case "id-field" ->
                                new TopicInput(t.format, t.text, t.label, FieldPath.parse(v));
                        default ->
                                throw new IllegalArgumentException(
                                        "unknown key '" + e.getKey() + "' (keys: " + KEYS + ")");
                    };
        }
        return t;
    }

    private static final String KEYS = "format, text-field, label-field, id-field";

    /** One line for logs and provenance, e.g. {@code json text=review.body label=stars id=id}. */
    public String describe() {
        return switch (format) {
            case AVRO_TRAINING_SAMPLE -> format.label();
            case TEXT -> format.label() + ", ids from coordinates";
            default -> format.label() + " text=" + text + " label=" + label + " id=" + id;
        };
    }
}
