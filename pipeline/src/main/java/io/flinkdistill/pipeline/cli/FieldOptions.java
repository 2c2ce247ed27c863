package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.input.FieldPath;
import io.flinkdistill.pipeline.input.InputFormat;
import io.flinkdistill.pipeline.input.TopicInput;
import picocli.CommandLine.Option;

/** The record format and where the text, label and id are: read by a job, written by produce. */
public class FieldOptions {
    @Option(
            names = {"--input-format", "--format"},
            defaultValue = "avro-training-sample",
            description =
                    "Format of the records: avro-training-sample, json, text (the value is the text) or avro-registry (Confluent wire format; needs --schema-registry-url) (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(
            names = "--text-field",
            defaultValue = "text",
            description =
                    "Field holding the text (json, avro-registry); nested with dots, e.g. review.body (default: ${DEFAULT-VALUE}).")
    String textField;

    @Option(
            names = "--label-field",
            defaultValue = "label",
            description =
                    "Field holding the gold label, a class name or number; records without it are unlabelled (default: ${DEFAULT-VALUE}).")
    String labelField;

    @Option(
            names = "--id-field",
            defaultValue = "id",
            description =
                    "Field holding a stable sample id; records without it get topic/partition/offset (default: ${DEFAULT-VALUE}).")
    String idField;

    /** The mapping these options describe; an error names the option. */
    public TopicInput mapping() {
        TopicInput t;
        try {
            t =
                    new TopicInput(
                            InputFormat.parse(format),
                            TopicInput.DEFAULT.text(),
                            TopicInput.DEFAULT.label(),
                            TopicInput.DEFAULT.id());
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--input-format", e.getMessage());
        }
        t = withField(t, "--text-field", "text-field", textField);
        t = withField(t, "--label-field", "label-field", labelField);
        return withField(t, "--id-field", "id-field", idField);
    }

    private static TopicInput withField(TopicInput t, String option, String key, String path) {
        try {
            FieldPath.parse(path);
            return t.with(key + "=" + path);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException(option, e.getMessage());
        }
    }
}
