package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.schemas.StudentModelPublished;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on a real multi-process deployment while samples stream in: a standalone Flink cluster of
 * two TaskManager JVMs from {@code deploy/local-cluster.sh} and a KRaft broker in its own JVM. The
 * TaskManager running the job is killed with {@code kill -9} twice (a fresh one joins each time)
 * and the broker is killed and restarted once. Afterwards every sample is counted exactly once,
 * published model versions only ever increase, and the student still learned.
 */
class ClusterFaultsITCase {
    @TempDir static Path dir;
    @RegisterExtension static final TestBed BED = TestBed.standalone(2);

    @Test
    void shouldNeitherLoseNorDoubleCountThroughTaskManagerKillsAndABrokerRestart()
            throws Exception {
        String bootstrap = BED.broker().bootstrapServers();
        ClusterRuns.Prepared run = ClusterRuns.prepare(bootstrap, dir, 17);
        Map<String, Object> client = run.client();
        TsvDataset sst2 = run.data();
        List<TsvRow> rows = run.rows();
        Path headFile = run.headFile();
        List<TsvRow> stream = ClusterRuns.withTrainCount(sst2, rows, 300, 1600);
        long expected = ClusterRuns.trainCount(sst2, stream);

        BED.cluster()
                .run(
                        Map.of(),
                        ClusterRuns.submitRun(
                                bootstrap,
                                headFile,
                                "--model-store",
                                dir.resolve("models").toUri().toString(),
                                "--publish-margin",
                                "-1",
                                "--publish-min-eval",
                                "20"));
        // Live data: about 100 samples/s, so that the faults land in the middle of training.
        CompletableFuture<Long> producer =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return SampleProducer.produce(
                                        client,
                                        "distill.samples",
                                        sst2,
                                        stream,
                                        1,
                                        r -> false,
                                        100);
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        });

        ClusterRuns.waitForSamples(bootstrap, 320);
        String killed = BED.cluster().killBusyTaskManagerAndAwaitRestart().taskManager();
        ClusterRuns.waitForSamples(bootstrap, 640);
        String killedAgain = BED.cluster().killBusyTaskManagerAndAwaitRestart().taskManager();
        ClusterRuns.waitForSamples(bootstrap, 960);
        long t0 = System.nanoTime();
        BED.broker().restart();
        DistillMetrics after = ClusterRuns.waitForSamples(bootstrap, 1120);
        System.out.printf(
                "Broker restart: training moved 160 samples past it within %.1f s (at %d).%n",
                (System.nanoTime() - t0) / 1e9, after.getSamplesTrained());
        assertThat(List.of(killed, killedAgain)).allMatch(k -> k.startsWith("taskmanager-"));
        assertThat(producer.get(3, TimeUnit.MINUTES)).isEqualTo(stream.size());

        DistillMetrics last = ClusterRuns.waitForSamples(bootstrap, expected);
        assertThat(last.getSamplesTrained()).as("every sample exactly once").isEqualTo(expected);
        // Not only the total (a loss and a duplicate would cancel): per partition, the highest
        // offset, and every trained id once, as the trainer's checkpoints hold them; and the same
        // in the three checkpoints after, so nothing is trained twice later.
        TrainedLedger.assertEachTrainedOnce(
                bootstrap, BED.cluster().dir().resolve("log"), expected, 3);
        List<DistillMetrics> metrics = new ArrayList<>();
        for (byte[] v : TopicRecords.readAll(bootstrap, "distill.metrics")) {
            metrics.add(DistillMetrics.fromByteBuffer(ByteBuffer.wrap(v)));
        }
        assertThat(metrics.get(metrics.size() - 1).getSamplesTrained())
                .as("and the metrics say so too")
                .isEqualTo(expected);
        System.out.printf(
                "Faults survived: %s and %s killed, broker restarted; %d samples trained once each.%n",
                killed, killedAgain, expected);
        List<Long> versions = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        java.util.Set<Long> publishedSteps = new java.util.TreeSet<>();
        for (byte[] v : TopicRecords.readAll(bootstrap, "distill.models")) {
            StudentModelPublished m = StudentModelPublished.fromByteBuffer(ByteBuffer.wrap(v));
            if (m.getFormat().equals("onnx-fp32")) {
                versions.add(m.getVersion());
                uris.add(m.getUri());
                publishedSteps.add(m.getMetrics().get("step").longValue());
            }
        }
        List<String> files;
        try (var listing = Files.list(dir.resolve("models"))) {
            files = listing.map(f -> f.getFileName().toString()).sorted().toList();
        }
        System.out.printf("Model events (fp32): %s; files in the store: %s%n", versions, files);
        assertThat(versions)
                .as("model versions only ever increase, across every restart")
                .isSortedAccordingTo(Long::compare)
                .doesNotHaveDuplicates();
        // With --publish-margin -1 every evaluation on a window of at least 20 publishes, and a
        // step whose publication a kill cut short is replayed and published again; so every step
        // of a metrics record with a full enough window (30: replay may interleave the partitions
        // differently) has a published version, the last one included.
        List<Long> evaluatedSteps =
                metrics.stream()
                        .filter(m -> m.getEvalWindow() >= 30)
                        .map(m -> (long) m.getStep())
                        .distinct()
                        .toList();
        assertThat(evaluatedSteps).as("metrics records with an eval window of 30").isNotEmpty();
        assertThat(publishedSteps)
                .as("steps with a published version (store: %s)", files)
                .containsAll(evaluatedSteps);
        // The student still learned: the last published version, on every eval-slice row of the
        // stream, agrees with the teacher clearly more than any constant answer could. (The first
        // metrics record's agreement is measured on about 14 eval samples, too few to compare
        // with.)
        assertThat(uris).as("published versions").hasSizeGreaterThanOrEqualTo(2);
        ClusterRuns.Agreement agreement =
                ClusterRuns.agreementWithTeacher(
                        ClusterRuns.evalTexts(sst2, stream),
                        headFile,
                        List.of(uris.get(0), uris.get(uris.size() - 1)));
        System.out.printf("On the stream's eval rows: %s%n", agreement.describe());
        assertThat(agreement.learned(1))
                .as("the student still learned: %s", agreement.describe())
                .isTrue();
    }
}
