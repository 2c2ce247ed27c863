package io.flinkdistill.pipeline.input;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A field of a record, possibly nested: {@code review.body} is the field {@code body} of the object
 * (or Avro record) in the field {@code review}.
 */
public record FieldPath(String path, List<String> parts) implements Serializable {

    /** Parses a dotted path; an empty part ({@code a..b}, {@code .a}) is an error. */
    public static FieldPath parse(String path) {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("a field path must not be empty");
        }
        List<String> parts = List.of(path.split("\\.", -1));
        for (String p : parts) {
            if (p.isBlank()) {
                throw new IllegalArgumentException(
                        "field path '" + path + "' has an empty part; write e.g. review.body");
            }
        }
        return new FieldPath(path, parts);
    }

    /** The JSON value at this path, or null when a part is missing (or the value is null). */
    public JsonNode find(JsonNode root) {
        JsonNode node = root;
        for (String p : parts) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(p);
        }
        return node == null || node.isNull() ? null : node;
    }

    /** The Avro value at this path, or null when a field is missing or null. */
    public Object find(GenericRecord root) {
        Object value = root;
        for (String p : parts) {
            if (!(value instanceof GenericRecord r)) {
                return null;
            }
            Schema.Field f = r.getSchema().getField(p);
            if (f == null) {
                return null;
            }
            value = r.get(f.pos());
        }
        return value;
    }

    @Override
    public String toString() {
        return path;
    }
}
