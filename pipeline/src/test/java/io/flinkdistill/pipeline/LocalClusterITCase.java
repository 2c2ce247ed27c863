package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.kafka.LocalKafka;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real standalone Flink cluster started by {@code deploy/local-cluster.sh} from Maven
 * jars (a JobManager and a TaskManager JVM, the native-library jars on their classpath, the thin
 * job jar submitted through REST): stopped with a savepoint, resumed with another learning rate,
 * the student's state carries over and every sample is counted exactly once.
 */
class LocalClusterITCase {

    @TempDir static Path dir;
    private static LocalKafka kafka;
    private static LocalClusterScript cluster;

    @BeforeAll
    static void startKafkaAndCluster() throws Exception {
        kafka = LocalKafka.start(dir.resolve("kafka"));
        cluster = new LocalClusterScript(dir.resolve("cluster"), 1);
        assertThat(cluster.run("start")).contains("Flink cluster up");
    }

    @AfterAll
    static void stopAll() throws Exception {
        try {
            if (cluster != null) {
                cluster.run("stop");
            }
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    @Test
    void shouldResumeFromASavepointWithTheSameStudentAndCountEverySampleOnce() throws Exception {
        ClusterRuns.Prepared run = ClusterRuns.prepare(kafka.bootstrapServers(), dir, 13);
        Map<String, Object> client = run.client();
        TsvDataset sst2 = run.data();
        List<TsvRow> rows = run.rows();
        Path headFile = run.headFile();
        // Training samples in multiples of batch (32) x metrics interval (5 steps), so that the
        // metrics report the exact total once everything is trained.
        List<TsvRow> first = ClusterRuns.withTrainCount(sst2, rows, 300, 640);
        List<TsvRow> second = ClusterRuns.withTrainCount(sst2, rows, 300 + first.size(), 320);
        SampleProducer.produce(client, "distill.samples", sst2, first, 1, r -> false, 0);

        List<String> args =
                new ArrayList<>(
                        List.of(
                                "submit",
                                "run",
                                "--bootstrap-servers",
                                kafka.bootstrapServers(),
                                "--teacher-head",
                                headFile.toString(),
                                "--checkpoint-interval-ms",
                                "1000",
                                "--metrics-every",
                                "5",
                                "--eval-fraction",
                                "0.1"));
        String job = cluster.run(args.toArray(String[]::new));
        ClusterRuns.waitForSamples(
                kafka.bootstrapServers(), ClusterRuns.trainCount(sst2, first) / 2);
        String savepoint = cluster.run("savepoint", job);
        assertThat(savepoint).contains("savepoint-");

        List<String> resume = new ArrayList<>(args);
        resume.addAll(List.of("--learning-rate", "5e-4"));
        String resumed = cluster.run(Map.of("SAVEPOINT", savepoint), resume);
        assertThat(resumed).isNotEqualTo(job);
        SampleProducer.produce(client, "distill.samples", sst2, second, 1, r -> false, 0);
        long expected = ClusterRuns.trainCount(sst2, first) + ClusterRuns.trainCount(sst2, second);
        DistillMetrics last = ClusterRuns.waitForSamples(kafka.bootstrapServers(), expected);
        assertThat(last.getSamplesTrained()).as("every sample exactly once").isEqualTo(expected);
        // Per partition, highest offset and every id once, as the trainer's checkpoints hold them,
        // and still so three checkpoints later.
        TrainedLedger produced =
                TrainedLedger.ofTopic(
                        kafka.bootstrapServers(),
                        "distill.samples",
                        new io.flinkdistill.pipeline.job.EvalSplit(0.1));
        assertThat(produced.samples()).isEqualTo(expected);
        TrainedLedger[] trained =
                TrainedLedger.awaitCheckpointed(
                        cluster.dir().resolve("log"),
                        "student",
                        expected,
                        3,
                        java.time.Duration.ofMinutes(1));
        assertThat(trained[0]).as("each sample once, per partition and by id").isEqualTo(produced);
        assertThat(trained[1]).as("three checkpoints later: nothing more").isEqualTo(produced);

        // The student the savepoint holds is the student the resumed job restored.
        String log = Files.readString(cluster.dir().resolve("log/taskmanager-1.log"));
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
    }
}
