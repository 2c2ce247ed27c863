package io.flinkdistill.pipeline.input;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the value of a record on a samples topic is encoded ({@code --input-format}). */
public enum InputFormat {
    /** Our own Avro {@code TrainingSample} in single-object encoding (the default). */
    AVRO_TRAINING_SAMPLE,
    /** One JSON object per record; the text, label and id are found by field paths. */
    JSON,
    /** The record value is the text, UTF-8; no label, the id is the record's coordinates. */
    TEXT,
    /** Avro in the Confluent wire format: magic byte 0, schema id, body; schema from a registry. */
    AVRO_REGISTRY;

    /** The option value: the constant's name in lower case with hyphens. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The format spelled {@code value}; the error lists the allowed spellings. */
    public static InputFormat parse(String value) {
        for (InputFormat f : values()) {
            if (f.label().equals(value)) {
                return f;
            }
        }
        throw new IllegalArgumentException(
                "unknown input format '"
                        + value
                        + "'; allowed: "
                        + Arrays.stream(values())
                                .map(InputFormat::label)
                                .collect(Collectors.joining(", ")));
    }
}
