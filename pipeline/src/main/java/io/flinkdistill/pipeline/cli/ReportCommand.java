package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.monitor.HtmlReport;
import io.flinkdistill.schemas.DistillMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill report --out FILE.html}: a self-contained HTML page with plots over time (loss
 * components, agreement and accuracy, loss weights, throughput, latency), built from everything on
 * the metrics topic now, or from a recording.
 */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML report of a job's metrics (topic or recording).")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "HTML file to write.")
    Path out;

    @picocli.CommandLine.Mixin MetricsSource source = new MetricsSource();

    @Option(
            names = "--title",
            defaultValue = "flink-distill report",
            description = "Page title (default: ${DEFAULT-VALUE}).")
    String title;

    @Option(
            names = "--timeout-seconds",
            defaultValue = "30",
            description = "How long reading the topic may take (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        source.validate();
        List<DistillMetrics> records =
                io.flinkdistill.pipeline.monitor.MetricsRecords.onePerStep(
                        source.readAll(Duration.ofSeconds(timeoutSeconds)));
        HtmlReport.write(out, title, records);
        System.out.printf("Wrote %s (%d metrics records).%n", out, records.size());
        return 0;
    }
}
