package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.monitor.MetricsRecords;
import io.flinkdistill.schemas.DistillMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where {@code monitor} and {@code report} read metrics: a job's Kafka topic, or a recording. */
final class MetricsSource {
    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(
            names = "--kafka-property",
            description = "Extra Kafka client property KEY=VALUE; repeatable.")
    Map<String, String> kafkaProperties = new HashMap<>();

    @Option(
            names = "--metrics-topic",
            defaultValue = "distill.metrics",
            description = "Topic of metrics records (default: ${DEFAULT-VALUE}).")
    String metricsTopic;

    @Option(
            names = "--input",
            description = "A recording (JSON lines from monitor --json) instead of the topic.")
    Path input;

    void validate() {
        if ((input == null) == (bootstrapServers == null)) {
            throw new JobOptions.OptionException(
                    "--bootstrap-servers/--input",
                    "give exactly one: the Kafka cluster of a job, or a recording");
        }
        if (input != null && !Files.isReadable(input)) {
            throw new JobOptions.OptionException(
                    "--input", "file " + input + " does not exist or is not readable");
        }
    }

    boolean recording() {
        return input != null;
    }

    Map<String, Object> clientConfig() {
        Map<String, Object> client = new HashMap<>(kafkaProperties);
        client.put("bootstrap.servers", bootstrapServers);
        return client;
    }

    /** Every record of the recording, or on the topic now. */
    List<DistillMetrics> readAll(Duration timeout) throws java.io.IOException {
        return recording()
                ? MetricsRecords.readRecording(input)
                : MetricsRecords.readTopic(clientConfig(), metricsTopic, timeout);
    }
}
