package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.schemas.DistillMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudentTrainerOperatorTest {
    @TempDir Path exportDir;

    @Test
    void shouldRestoreIdenticalStudentFromACheckpoint() throws Exception {
        TrainerSettings settings = TrainerFixtures.tinySettings();
        OperatorSubtaskState snapshot;
        TrainerState before;
        try (var harness = harness(settings)) {
            harness.open();
            for (ScoredSample s : SyntheticSamples.generate(20, 9, true)) {
                harness.processElement(new StreamRecord<>(s));
            }
            for (ScoredSample s : SyntheticSamples.generate(101, 1, false)) {
                harness.processElement(new StreamRecord<>(s));
            }
            snapshot = harness.snapshot(1L, 1L);
            before = operator(harness).trainer("student").snapshot();
            // 101 samples at batch 8: 12 steps, metrics every 5 steps -> 2 records so far.
            assertThat(metrics(harness)).hasSize(2);
            assertThat(metrics(harness).get(1).getSamplesTrained()).isEqualTo(80L);
        }
        try (var restored = harness(settings)) {
            restored.initializeState(snapshot);
            restored.open();
            // The first record of a key brings its trainer back from keyed state.
            restored.processElement(
                    new StreamRecord<>(SyntheticSamples.generate(1, 10, true).get(0)));
            TrainerState after = operator(restored).trainer("student").snapshot();
            assertThat(after.samplesTrained()).isEqualTo(96L);
            assertThat(after.pending()).hasSize(5);
            assertThat(after.optimizerSteps()).isEqualTo(before.optimizerSteps());
            for (Map.Entry<String, float[]> e : before.weights().entrySet()) {
                assertThat(after.weights().get(e.getKey()))
                        .as(e.getKey())
                        .containsExactly(e.getValue());
            }
        }
    }

    @Test
    void shouldTrainTheRemainderAndWriteTheStudentAtEndOfInput() throws Exception {
        try (var harness = harness(TrainerFixtures.tinySettings())) {
            harness.open();
            for (ScoredSample s : SyntheticSamples.generate(13, 1, false)) {
                harness.processElement(new StreamRecord<>(s));
            }
            harness.endInput();
            List<StudentVersion> versions = harness.extractOutputValues();
            assertThat(versions).hasSize(1);
            assertThat(versions.get(0).samplesTrained).isEqualTo(13L);
            StudentFile.Loaded saved = StudentFile.read(Path.of(versions.get(0).path));
            assertThat(saved.samplesTrained()).isEqualTo(13L);
            assertThat(saved.step()).isEqualTo(2L);
            // The student carries what produced it, Kafka offsets included (partition = i % 2).
            assertThat(saved.provenance())
                    .containsEntry("training.samples", "13")
                    .containsEntry("kafka.offset.p0", "12")
                    .containsEntry("kafka.offset.p1", "11")
                    .containsKey("training.loss_weights");
        }
    }

    @Test
    void shouldPublishVersionsThatNeverRepeatAcrossARestart(@TempDir Path storeDir)
            throws Exception {
        TrainerSettings settings = TrainerFixtures.tinySettings();
        io.flinkdistill.serving.PublishSettings every =
                new io.flinkdistill.serving.PublishSettings(storeDir.toUri().toString(), -1, 1);
        io.flinkdistill.serving.ModelStore store =
                new io.flinkdistill.serving.ModelStore(storeDir.toUri().toString());
        OperatorSubtaskState snapshot;
        try (var h = harness(settings, every)) {
            h.open();
            for (ScoredSample s : SyntheticSamples.generate(20, 9, true)) {
                h.processElement(new StreamRecord<>(s));
            }
            for (ScoredSample s : SyntheticSamples.generate(80, 1, false)) {
                h.processElement(new StreamRecord<>(s));
            }
            // Metrics (and a publication each, margin -1) at steps 5 and 10.
            assertThat(events(h)).extracting(e -> e.getVersion()).containsExactly(1L, 1L, 2L, 2L);
            assertThat(events(h))
                    .extracting(e -> e.getFormat())
                    .containsExactly("onnx-fp32", "onnx-int8", "onnx-fp32", "onnx-int8");
            snapshot = h.snapshot(1L, 1L);
            // After the checkpoint the job publishes on, then fails.
            for (ScoredSample s : SyntheticSamples.generate(40, 2, false)) {
                h.processElement(new StreamRecord<>(s));
            }
            assertThat(store.latestVersion("student")).isEqualTo(3);
        }
        try (var restored = harness(settings, every)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(
                    new StreamRecord<>(SyntheticSamples.generate(1, 10, true).get(0)));
            restored.endInput();
            // The checkpoint says 2, the store has 3: the next version is 4, never 3 again.
            assertThat(events(restored)).extracting(e -> e.getVersion()).containsExactly(4L, 4L);
            var event = events(restored).get(0);
            byte[] file =
                    java.nio.file.Files.readAllBytes(Path.of(java.net.URI.create(event.getUri())));
            assertThat(io.flinkdistill.serving.ModelStore.sha256(file))
                    .isEqualTo(event.getSha256());
            assertThat(event.getMetrics()).containsKey("eval_agreement");
        }
    }

    private static List<io.flinkdistill.schemas.StudentModelPublished> events(
            KeyedOneInputStreamOperatorTestHarness<String, ScoredSample, StudentVersion> h) {
        return h.getSideOutput(StudentTrainerOperator.MODELS).stream()
                .map(StreamRecord::getValue)
                .toList();
    }

    private KeyedOneInputStreamOperatorTestHarness<String, ScoredSample, StudentVersion> harness(
            TrainerSettings settings) throws Exception {
        return harness(settings, io.flinkdistill.serving.PublishSettings.off());
    }

    private KeyedOneInputStreamOperatorTestHarness<String, ScoredSample, StudentVersion> harness(
            TrainerSettings settings, io.flinkdistill.serving.PublishSettings publish)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new StudentTrainerOperator(settings, exportDir.toString(), publish),
                s -> s.student,
                Types.STRING);
    }

    private static StudentTrainerOperator operator(
            KeyedOneInputStreamOperatorTestHarness<String, ScoredSample, StudentVersion> h) {
        return (StudentTrainerOperator) h.getOperator();
    }

    private static List<DistillMetrics> metrics(
            KeyedOneInputStreamOperatorTestHarness<String, ScoredSample, StudentVersion> h) {
        ConcurrentLinkedQueue<StreamRecord<DistillMetrics>> q =
                h.getSideOutput(StudentTrainerOperator.METRICS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }
}
