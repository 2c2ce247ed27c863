package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.monitor.MetricsJson;
import io.flinkdistill.pipeline.monitor.MetricsRecords;
import io.flinkdistill.pipeline.monitor.MonitorView;
import io.flinkdistill.schemas.DistillMetrics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill monitor}: a live view of a running job from its metrics topic (progress, loss
 * components, agreement and accuracy, weights, throughput), one line per record; {@code --json}
 * prints each record as one JSON object per line, which is also the recording format {@code report
 * --input} reads.
 */
@Command(
        name = "monitor",
        mixinStandardHelpOptions = true,
        description = "Live view of a running job from its metrics topic (or a recording).")
public final class MonitorCommand implements Callable<Integer> {
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
            description = "Replay a recording (JSON lines from --json) instead of the topic.")
    Path input;

    @Option(names = "--student", description = "Show only this student.")
    String student;

    @Option(names = "--json", description = "One JSON object per record, for piping.")
    boolean json;

    @Option(
            names = "--idle-exit-seconds",
            defaultValue = "0",
            description =
                    "Stop after this many seconds without a new record; 0 follows forever (default: ${DEFAULT-VALUE}).")
    int idleExitSeconds;

    PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        validate();
        if (!json) {
            out.println(MonitorView.header());
        }
        if (input != null) {
            for (DistillMetrics m : MetricsRecords.readRecording(input)) {
                show(m);
            }
            return 0;
        }
        Map<String, Object> client = new HashMap<>(kafkaProperties);
        client.put("bootstrap.servers", bootstrapServers);
        AtomicLong lastRecord = new AtomicLong(System.nanoTime());
        try (TopicFollower<DistillMetrics> follower =
                TopicFollower.metrics(
                        client,
                        metricsTopic,
                        m -> {
                            lastRecord.set(System.nanoTime());
                            show(m);
                        })) {
            while (idleExitSeconds == 0
                    || System.nanoTime() - lastRecord.get() < idleExitSeconds * 1_000_000_000L) {
                Thread.sleep(200);
            }
        }
        return 0;
    }

    private synchronized void show(DistillMetrics m) {
        if (student != null && !student.equals(m.getStudent())) {
            return;
        }
        out.println(json ? MetricsJson.toLine(m) : MonitorView.line(m));
        out.flush();
    }

    private void validate() {
        if ((input == null) == (bootstrapServers == null)) {
            throw new JobOptions.OptionException(
                    "--bootstrap-servers/--input",
                    "give exactly one: the Kafka cluster of a running job, or a recording");
        }
        if (input != null && !Files.isReadable(input)) {
            throw new JobOptions.OptionException(
                    "--input", "file " + input + " does not exist or is not readable");
        }
        if (idleExitSeconds < 0) {
            throw new JobOptions.OptionException(
                    "--idle-exit-seconds", "must be >= 0, got " + idleExitSeconds);
        }
    }
}
