package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real standalone Flink cluster started by {@code deploy/local-cluster.sh} from Maven
 * jars (a JobManager and a TaskManager JVM, the native-library jars on their classpath, the thin
 * job jar submitted through REST): stopped with a savepoint, resumed with another learning rate,
 * the student's state carries over and every sample is counted exactly once.
 */
class LocalClusterITCase {

    @TempDir static Path dir;
    @RegisterExtension static final TestBed BED = TestBed.standalone(1);

    @Test
    void shouldResumeFromASavepointWithTheSameStudentAndCountEverySampleOnce() throws Exception {
        ClusterRuns.Prepared run = ClusterRuns.prepare(BED.broker().bootstrapServers(), dir, 13);
        Map<String, Object> client = run.client();
        TsvDataset sst2 = run.data();
        List<TsvRow> rows = run.rows();
        Path headFile = run.headFile();
        // Training samples in multiples of batch (32) x metrics interval (5 steps), so that the
        // metrics report the exact total once everything is trained.
        List<TsvRow> first = ClusterRuns.withTrainCount(sst2, rows, 300, 640);
        List<TsvRow> second = ClusterRuns.withTrainCount(sst2, rows, 300 + first.size(), 320);
        SampleProducer.produce(client, "distill.samples", sst2, first, 1, r -> false, 0);
        // A small benchmark set, so that its gauges are served too (the dashboard plots them).
        Path bench = dir.resolve("bench.tsv");
        Files.write(
                bench,
                rows.subList(2000, 2050).stream().map(r -> r.text() + "\t" + r.label()).toList());

        List<String> args =
                ClusterRuns.submitRun(
                        BED.broker().bootstrapServers(), headFile, "--benchmark", "small=" + bench);
        String job = BED.cluster().run(args.toArray(String[]::new));
        ClusterRuns.waitForSamples(
                BED.broker().bootstrapServers(), ClusterRuns.trainCount(sst2, first) / 2);
        String savepoint = BED.cluster().run("savepoint", job);
        assertThat(savepoint).contains("savepoint-");

        List<String> resume = new ArrayList<>(args);
        resume.addAll(List.of("--learning-rate", "5e-4"));
        String resumed = BED.cluster().run(Map.of("SAVEPOINT", savepoint), resume);
        assertThat(resumed).isNotEqualTo(job);
        SampleProducer.produce(client, "distill.samples", sst2, second, 1, r -> false, 0);
        long expected = ClusterRuns.trainCount(sst2, first) + ClusterRuns.trainCount(sst2, second);
        DistillMetrics last = ClusterRuns.waitForSamples(BED.broker().bootstrapServers(), expected);
        assertThat(last.getSamplesTrained()).as("every sample exactly once").isEqualTo(expected);
        // Per partition, highest offset and every id once, as the trainer's checkpoints hold them,
        // and still so three checkpoints later.
        TrainedLedger.assertEachTrainedOnce(
                BED.broker().bootstrapServers(), BED.cluster().dir().resolve("log"), expected, 3);

        // The student the savepoint holds is the student the resumed job restored.
        String log = Files.readString(BED.cluster().dir().resolve("log/taskmanager-1.log"));
        Matcher snapshots =
                Pattern.compile(
                                "Checkpoint \\d+: student student at step (\\d+) after (\\d+) samples, weights fingerprint (\\w+)")
                        .matcher(log);
        Matcher restore =
                Pattern.compile(
                                "Restored student student at step (\\d+) after (\\d+) samples, weights fingerprint (\\w+)")
                        .matcher(log);
        assertThat(restore.find()).as("the resumed job restored the student").isTrue();
        String lastSnapshotOfFirstJob = null;
        int restoreAt = restore.start();
        while (snapshots.find() && snapshots.start() < restoreAt) {
            lastSnapshotOfFirstJob =
                    snapshots.group(1) + "/" + snapshots.group(2) + "/" + snapshots.group(3);
        }
        assertThat(restore.group(1) + "/" + restore.group(2) + "/" + restore.group(3))
                .isEqualTo(lastSnapshotOfFirstJob);

        // Prometheus: the TaskManager serves the student's gauges, as a scraper would read them
        // (the accuracy is NaN here: this stream carries no labels).
        Matcher port =
                Pattern.compile("Started PrometheusReporter HTTP server on port (\\d+)")
                        .matcher(log);
        assertThat(port.find()).as("the TaskManager's Prometheus endpoint").isTrue();
        String scraped = scrape(Integer.parseInt(port.group(1)));
        for (String gauge :
                List.of(
                        "evalAgreement",
                        "evalAccuracy",
                        "samplesPerSecond",
                        "teacherSamplesPerSecond",
                        "inputShift")) {
            assertThat(scraped)
                    .as("gauge %s", gauge)
                    .containsPattern(
                            "(?m)^flink_taskmanager_job_task_operator_student_"
                                    + gauge
                                    + "\\{[^}]*student=\"student\"[^}]*\\} ([0-9.eE+-]+|NaN)$");
        }
        // Every series the Grafana dashboard plots is one the cluster serves.
        String dashboard =
                Files.readString(
                        Path.of("..", "deploy", "grafana", "flink-distill-dashboard.json"));
        Matcher used = Pattern.compile("flink_taskmanager_\\w+").matcher(dashboard);
        int series = 0;
        while (used.find()) {
            series++;
            assertThat(scraped)
                    .as("dashboard series %s", used.group())
                    .containsPattern("(?m)^" + used.group() + "\\{");
        }
        assertThat(series).isGreaterThanOrEqualTo(15);
        Matcher agreement =
                Pattern.compile(
                                "(?m)^flink_taskmanager_job_task_operator_student_evalAgreement\\{[^}]*\\} ([0-9.eE+-]+)$")
                        .matcher(scraped);
        assertThat(agreement.find()).isTrue();
        assertThat(Double.parseDouble(agreement.group(1)))
                .as("the scraped agreement is the last metrics record's")
                .isCloseTo(last.getEvalAgreement(), org.assertj.core.data.Offset.offset(0.2));
    }

    private static String scrape(int port) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest req =
                java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(java.time.Duration.ofSeconds(10))
                        .build();
        java.net.http.HttpResponse<String> r =
                http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
