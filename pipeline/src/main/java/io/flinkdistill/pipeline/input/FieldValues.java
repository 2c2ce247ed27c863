package io.flinkdistill.pipeline.input;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.generic.GenericEnumSymbol;

/**
 * Reads the text, label and id out of decoded values (JSON nodes or Avro objects) with one set of
 * rules: the text must be a string; a label may be a string, an Avro enum symbol or a whole number
 * (written as its decimal digits, so {@code 1} and {@code "1"} are the same class); an id may be a
 * string or a whole number. Anything else is a bad record, named with the field path.
 */
final class FieldValues {
    private FieldValues() {}

    static String text(JsonNode node, FieldPath path) throws BadRecordException {
        if (node == null) {
            throw new BadRecordException("no text field '" + path + "'");
        }
        if (!node.isTextual()) {
            throw new BadRecordException(
                    "text field '" + path + "' is " + kind(node) + ", expected a string");
        }
        return node.textValue();
    }

    static String label(JsonNode node, FieldPath path) throws BadRecordException {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            return blankToNull(node.textValue());
        }
        if (node.isNumber()) {
            return wholeNumber(node.doubleValue(), node.isIntegralNumber() ? node.asLong() : null)
                    .orElseThrow(() -> notWhole("label", path, node.asText()));
        }
        throw new BadRecordException(
                "label field '" + path + "' is " + kind(node) + ", expected a string or a number");
    }

    static String id(JsonNode node, FieldPath path) throws BadRecordException {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            return blankToNull(node.textValue());
        }
        if (node.isIntegralNumber()) {
            return node.asText();
        }
        throw new BadRecordException(
                "id field '"
                        + path
                        + "' is "
                        + kind(node)
                        + ", expected a string or a whole number");
    }

    static String text(Object value, FieldPath path) throws BadRecordException {
        if (value == null) {
            throw new BadRecordException("no text field '" + path + "'");
        }
        if (!(value instanceof CharSequence s)) {
            throw new BadRecordException(
                    "text field '" + path + "' is " + kind(value) + ", expected a string");
        }
        return s.toString();
    }

    static String label(Object value, FieldPath path) throws BadRecordException {
        if (value == null) {
            return null;
        }
        if (value instanceof CharSequence || value instanceof GenericEnumSymbol<?>) {
            return blankToNull(value.toString());
        }
        if (value instanceof Integer || value instanceof Long) {
            return value.toString();
        }
        if (value instanceof Float || value instanceof Double) {
            double d = ((Number) value).doubleValue();
            return wholeNumber(d, null).orElseThrow(() -> notWhole("label", path, value));
        }
        throw new BadRecordException(
                "label field '" + path + "' is " + kind(value) + ", expected a string or a number");
    }

    static String id(Object value, FieldPath path) throws BadRecordException {
        if (value == null) {
            return null;
        }
        if (value instanceof CharSequence) {
            return blankToNull(value.toString());
        }
        if (value instanceof Integer || value instanceof Long) {
            return value.toString();
        }
        throw new BadRecordException(
                "id field '"
                        + path
                        + "' is "
                        + kind(value)
                        + ", expected a string or a whole number");
    }

    private static java.util.Optional<String> wholeNumber(double d, Long exact) {
        if (exact != null) {
            return java.util.Optional.of(Long.toString(exact));
        }
        if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return java.util.Optional.of(Long.toString((long) d));
        }
        return java.util.Optional.empty();
    }

    private static BadRecordException notWhole(String what, FieldPath path, Object value) {
        return new BadRecordException(
                what + " field '" + path + "' is " + value + ", not a whole number");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case BOOLEAN -> "a boolean (" + node.asText() + ")";
            case NUMBER -> "a number (" + node.asText() + ")";
            case STRING -> "a string";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String kind(Object value) {
        if (value instanceof org.apache.avro.generic.GenericRecord) {
            return "a record";
        }
        if (value instanceof java.util.Collection<?>) {
            return "an array";
        }
        if (value instanceof java.util.Map<?, ?>) {
            return "a map";
        }
        if (value instanceof Boolean b) {
            return "a boolean (" + b + ")";
        }
        if (value instanceof Number n) {
            return "a number (" + n + ")";
        }
        return "a " + value.getClass().getSimpleName();
    }
}
