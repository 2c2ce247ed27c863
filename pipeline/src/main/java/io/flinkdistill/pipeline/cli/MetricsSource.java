package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.monitor.MetricsRecords;
import io.flinkdistill.schemas.DistillMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where {@code monitor} and {@code report} read metrics: a job's Kafka topic, or a recording. */
final class MetricsSource {
    @picocli.CommandLine.Mixin KafkaConnection kafka = new KafkaConnection();

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
        if ((input == null) == !kafka.given()) {
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
        return kafka.clientConfig();
    }

    /** Every record of the recording, or on the topic now. */
    List<DistillMetrics> readAll(Duration timeout) throws java.io.IOException {
        return recording()
                ? MetricsRecords.readRecording(input)
                : MetricsRecords.readTopic(clientConfig(), metricsTopic, timeout);
    }
}
