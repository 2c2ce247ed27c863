package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.kafka.TopicFollower;
import io.flinkdistill.pipeline.monitor.MetricsJson;
import io.flinkdistill.pipeline.monitor.MonitorView;
import io.flinkdistill.schemas.DistillMetrics;
import java.io.PrintStream;
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
    @picocli.CommandLine.Mixin MetricsSource source = new MetricsSource();

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
        if (source.recording()) {
            for (DistillMetrics m : source.readAll(java.time.Duration.ZERO)) {
                show(m);
            }
            return 0;
        }
        AtomicLong lastRecord = new AtomicLong(System.nanoTime());
        try (TopicFollower<DistillMetrics> follower =
                TopicFollower.metrics(
                        source.clientConfig(),
                        source.metricsTopic,
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

    @Option(
            names = "--all",
            description =
                    "Also show records of steps already shown (a restarted job replays the steps"
                            + " since its last checkpoint; by default those are skipped).")
    boolean all;

    private final Map<String, Long> lastStep = new java.util.HashMap<>();

    private synchronized void show(DistillMetrics m) {
        if (student != null && !student.equals(m.getStudent())) {
            return;
        }
        long last = lastStep.getOrDefault(m.getStudent(), -1L);
        if (!all && m.getStep() <= last && !m.getPaused()) {
            return;
        }
        lastStep.put(m.getStudent(), Math.max(last, m.getStep()));
        out.println(json ? MetricsJson.toLine(m) : MonitorView.line(m));
        out.flush();
    }

    private void validate() {
        source.validate();
        if (idleExitSeconds < 0) {
            throw new JobOptions.OptionException(
                    "--idle-exit-seconds", "must be >= 0, got " + idleExitSeconds);
        }
    }
}
