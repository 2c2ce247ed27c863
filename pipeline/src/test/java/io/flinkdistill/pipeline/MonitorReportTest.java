package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.cli.DistillCli;
import io.flinkdistill.pipeline.monitor.MetricsJson;
import io.flinkdistill.pipeline.monitor.MetricsRecords;
import io.flinkdistill.schemas.DistillMetrics;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code distill monitor} and {@code distill report} on a recorded metrics stream: the
 * metrics.jsonl a real demo run (eval-guided policy, 2,500 SST-2 samples) wrote.
 */
class MonitorReportTest {
    @TempDir static Path dir;
    static Path recording;

    @BeforeAll
    static void copyRecording() throws Exception {
        recording = dir.resolve("recorded.jsonl");
        try (InputStream in =
                MonitorReportTest.class.getResourceAsStream("/metrics/recorded.jsonl")) {
            Files.copy(in, recording);
        }
    }

    @Test
    void recordingShouldRoundTripThroughJsonExactly() throws Exception {
        List<DistillMetrics> records = MetricsRecords.readRecording(recording);
        assertThat(records).hasSize(15);
        for (DistillMetrics m : records) {
            assertThat(MetricsJson.fromLine(MetricsJson.toLine(m))).isEqualTo(m);
        }
        assertThat(records.get(0).getEvalAccuracy()).isNull();
        assertThat(records.get(records.size() - 1).getLossPolicy()).isEqualTo("eval-guided");
    }

    @Test
    void monitorShouldShowOneLinePerRecordAndJsonForPiping() throws Exception {
        String table = capture("monitor", "--input", recording.toString());
        String[] lines = table.split("\n");
        assertThat(lines).hasSize(16);
        assertThat(lines[0]).contains("student").contains("agree").contains("w soft/feat/att");
        assertThat(lines[1])
                .startsWith("student")
                .contains("   160 ")
                .contains("policy eval-guided");
        DistillMetrics last = MetricsRecords.readRecording(recording).get(14);
        assertThat(lines[15])
                .contains(String.format(java.util.Locale.ROOT, "%.3f", last.getEvalAgreement()))
                .contains(
                        String.format(
                                java.util.Locale.ROOT,
                                "%4.2f/%4.2f/%4.2f",
                                last.getWeightSoft(),
                                last.getWeightFeature(),
                                last.getWeightAttention()));

        String json = capture("monitor", "--input", recording.toString(), "--json");
        Path piped = dir.resolve("piped.jsonl");
        Files.writeString(piped, json);
        assertThat(MetricsRecords.readRecording(piped))
                .isEqualTo(MetricsRecords.readRecording(recording));

        assertThat(
                        capture("monitor", "--input", recording.toString(), "--student", "other")
                                .split("\n"))
                .hasSize(1);
    }

    @Test
    void reportShouldWriteOnePageWithEveryPlot() throws Exception {
        Path html = dir.resolve("out/report.html");
        capture("report", "--input", recording.toString(), "--out", html.toString());
        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>");
        assertThat(page.split("<svg class=\"chart\"", -1)).hasSize(6);
        assertThat(page)
                .contains("Loss components")
                .contains("Agreement with the teacher and accuracy")
                .contains("Loss weights")
                .contains("Throughput")
                .contains("eval-guided");
        // Self-contained: nothing is fetched from elsewhere.
        assertThat(page).doesNotContain("http://", "https://", "<script", "<link");
    }

    @Test
    void benchmarkSetsShouldRoundTripAndGetOneChartEachWithTheFreezeMarked() throws Exception {
        List<DistillMetrics> records = MetricsRecords.readRecording(recording);
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            DistillMetrics m = DistillMetrics.newBuilder(records.get(i)).build();
            Double frozen = i < 5 ? null : 0.70;
            m.setInputShift(i < 2 ? null : Double.valueOf(i == 5 ? 40.0 : 1.0));
            m.setBenchmarks(
                    List.of(
                            result("sst2", 872, 0.70 + i * 0.005, frozen, 0.877),
                            result(
                                    "yelp",
                                    2000,
                                    0.60 + i * 0.01,
                                    frozen == null ? null : 0.6,
                                    0.917)));
            assertThat(MetricsJson.fromLine(MetricsJson.toLine(m))).isEqualTo(m);
            lines.add(MetricsJson.toLine(m));
        }
        Path withSets = dir.resolve("benchmarks.jsonl");
        Files.write(withSets, lines);
        String table = capture("monitor", "--input", withSets.toString());
        assertThat(table.split("\n")[15])
                .contains("sst2 0.770 (frozen 0.700) teacher 0.877")
                .contains("yelp 0.740 (frozen 0.600) teacher 0.917");
        Path html = dir.resolve("bench/report.html");
        capture("report", "--input", withSets.toString(), "--out", html.toString());
        String page = Files.readString(html);
        assertThat(page.split("<svg class=\"chart\"", -1)).hasSize(9);
        assertThat(page).contains("Input shift (label-free drift score");
        assertThat(page)
                .contains("Benchmark sst2: accuracy")
                .contains("Benchmark yelp: accuracy")
                .contains("frozen student");
        assertThat(page.split("class=\"mark\"", -1)).hasSize(3);
    }

    private static io.flinkdistill.schemas.BenchmarkResult result(
            String name, int size, double accuracy, Double frozen, double teacher) {
        return io.flinkdistill.schemas.BenchmarkResult.newBuilder()
                .setName(name)
                .setSize(size)
                .setAccuracy(accuracy)
                .setAgreement(accuracy + 0.05)
                .setTeacherAccuracy(teacher)
                .setFrozenAccuracy(frozen)
                .build();
    }

    @Test
    void replayedStepsShouldShowOnceInMonitorAndReport() throws Exception {
        List<DistillMetrics> records = MetricsRecords.readRecording(recording);
        // A restart after record 10 replays records 8..10 (the same steps, as the trainer redoes
        // them).
        List<String> lines = new java.util.ArrayList<>();
        for (DistillMetrics m : records.subList(0, 11)) {
            lines.add(MetricsJson.toLine(m));
        }
        for (DistillMetrics m : records.subList(8, records.size())) {
            lines.add(MetricsJson.toLine(m));
        }
        Path replayed = dir.resolve("replayed.jsonl");
        Files.write(replayed, lines);
        assertThat(MetricsRecords.readRecording(replayed)).hasSize(18);
        assertThat(MetricsRecords.onePerStep(MetricsRecords.readRecording(replayed)))
                .isEqualTo(records);
        assertThat(capture("monitor", "--input", replayed.toString()).split("\n")).hasSize(16);
        assertThat(capture("monitor", "--input", replayed.toString(), "--all").split("\n"))
                .hasSize(19);
    }

    @Test
    void badSourcesShouldBeNamed() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            assertThat(DistillCli.execute("monitor")).isEqualTo(2);
            assertThat(DistillCli.execute("report", "--out", "x.html", "--input", "missing.jsonl"))
                    .isEqualTo(2);
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString())
                .contains("Invalid option --bootstrap-servers/--input: give exactly one")
                .contains("Invalid option --input: file missing.jsonl does not exist");
    }

    private static String capture(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(DistillCli.execute(args)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
