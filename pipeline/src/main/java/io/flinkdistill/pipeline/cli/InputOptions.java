package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.input.SampleInputs;
import io.flinkdistill.pipeline.input.TopicInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Option;

/**
 * Which topics a job reads its samples from and how their records are read: our Avro {@code
 * TrainingSample}, JSON, plain text, or Avro in a schema registry's wire format, with the text,
 * label and id found by (nested) field paths.
 */
public class InputOptions {
    @Option(
            names = "--samples-topic",
            split = ",",
            defaultValue = "distill.samples",
            description =
                    "Input topic(s); repeat the option or separate with commas (default: ${DEFAULT-VALUE}).")
    List<String> topics = new ArrayList<>();

    @Option(
            names = "--samples-topic-pattern",
            description =
                    "Read every topic whose name matches this regular expression instead of --samples-topic (topics created later are picked up).")
    String topicPattern;

    /** The format and field paths of every topic without its own --topic-input. */
    @picocli.CommandLine.Mixin FieldOptions fields = new FieldOptions();

    @Option(
            names = "--topic-input",
            description =
                    "How one topic differs from the options above: TOPIC:key=value,... with keys format, text-field, label-field, id-field, e.g. tickets:format=json,text-field=body. Repeatable.")
    List<String> topicInputs = new ArrayList<>();

    @Option(
            names = "--schema-registry-url",
            description =
                    "Base URL of a schema registry's REST API (Confluent, or Apicurio's .../apis/ccompat/v7), for avro-registry.")
    String registryUrl;

    /** The topic the demo and the soak test write to: the first of --samples-topic. */
    public String firstTopic() {
        return topics.get(0);
    }

    /** Every option checked and combined; an error names the option. */
    public SampleInputs inputs() {
        TopicInput defaults = fields.mapping();
        Map<String, TopicInput> perTopic = new LinkedHashMap<>();
        for (String spec : topicInputs) {
            int colon = spec.indexOf(':');
            if (colon <= 0 || colon == spec.length() - 1) {
                throw new JobOptions.OptionException(
                        "--topic-input",
                        "expected TOPIC:key=value,..., e.g. tickets:format=json, got '"
                                + spec
                                + "'");
            }
            String topic = spec.substring(0, colon);
            try {
                perTopic.put(topic, defaults.with(spec.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                throw new JobOptions.OptionException(
                        "--topic-input", "in '" + spec + "': " + e.getMessage());
            }
            if (topicPattern == null && !topics.contains(topic)) {
                throw new JobOptions.OptionException(
                        "--topic-input",
                        "topic '" + topic + "' is not one of --samples-topic " + topics);
            }
        }
        List<String> list = topics.stream().map(String::trim).toList();
        if (topicPattern != null) {
            try {
                Pattern.compile(topicPattern);
            } catch (PatternSyntaxException e) {
                throw new JobOptions.OptionException(
                        "--samples-topic-pattern", "not a regular expression: " + e.getMessage());
            }
            list = List.of();
        } else if (list.isEmpty() || list.stream().anyMatch(String::isEmpty)) {
            throw new JobOptions.OptionException(
                    "--samples-topic", "topic names must not be empty, got " + topics);
        }
        SampleInputs inputs = new SampleInputs(list, topicPattern, defaults, perTopic, registryUrl);
        if (inputs.needsRegistry()) {
            if (registryUrl == null || registryUrl.isBlank()) {
                throw new JobOptions.OptionException(
                        "--schema-registry-url", "is required by the avro-registry input format");
            }
            try {
                java.net.URI u = java.net.URI.create(registryUrl);
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                    throw new IllegalArgumentException("scheme must be http or https");
                }
            } catch (IllegalArgumentException e) {
                throw new JobOptions.OptionException(
                        "--schema-registry-url",
                        "'" + registryUrl + "' is not an http(s) URL: " + e.getMessage());
            }
        }
        return inputs;
    }
}
