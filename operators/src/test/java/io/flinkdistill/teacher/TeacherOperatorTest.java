package io.flinkdistill.teacher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.schemas.ControlCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The teacher operator in Flink's test harness: micro-batches flushed by barrier and by latency,
 * fusion weights pinned idempotently by control commands, and what it learned kept in checkpoints.
 */
class TeacherOperatorTest {
    private static final String MINI = "all-minilm-l6-v2-q";
    private static final String BGE = "bge-small-en-v1.5-q";

    @Test
    void shouldHoldAPartialBatchUntilTheBarrierOrTheLatencyBound() throws Exception {
        TeacherSettings settings = settings(List.of(MINI), TeacherSettings.HeadMode.ALL, 1000);
        try (var h = harness(settings)) {
            h.setProcessingTime(0);
            h.open();
            for (int i = 0; i < 5; i++) {
                h.processElement1(new StreamRecord<>(input("s" + i, i % 2 == 0 ? "1" : null)));
            }
            assertThat(h.extractOutputValues()).as("a partial batch waits").isEmpty();
            h.prepareSnapshotPreBarrier(1);
            List<ScoredSample> out = h.extractOutputValues();
            assertThat(out)
                    .extracting(s -> s.id)
                    .containsExactlyInAnyOrder("s0", "s1", "s2", "s3", "s4");
            assertThat(out)
                    .filteredOn(s -> s.id.equals("s0"))
                    .singleElement()
                    .satisfies(
                            s -> {
                                assertThat(s.label).isEqualTo(1);
                                assertThat(s.teacherVotes).hasSize(1);
                                assertThat(s.teacherWeights).containsExactly(1f);
                            });

            h.processElement1(new StreamRecord<>(input("late", null)));
            h.setProcessingTime(49);
            assertThat(h.extractOutputValues()).hasSize(5);
            h.setProcessingTime(50);
            assertThat(h.extractOutputValues()).as("flushed at the latency bound").hasSize(6);
        }
    }

    @Test
    void shouldPinFusionWeightsOnceAndKeepThemThroughACheckpoint() throws Exception {
        TeacherSettings settings = settings(List.of(MINI, BGE), TeacherSettings.HeadMode.ALL, 1000);
        OperatorSubtaskState snapshot;
        try (var h = harness(settings)) {
            h.open();
            assertThat(op(h).fusionWeights()).containsExactly(0.5, 0.5);
            h.processElement2(
                    new StreamRecord<>(
                            io.flinkdistill.testing.Commands.teacherWeights(
                                    "c1", Map.of(MINI, 3.0, BGE, 1.0))));
            assertThat(op(h).fusionWeights()).containsExactly(0.75, 0.25);
            // The same command id again (a re-read of the topic) changes nothing.
            h.processElement2(
                    new StreamRecord<>(
                            io.flinkdistill.testing.Commands.teacherWeights(
                                    "c1", Map.of(MINI, 1.0, BGE, 1.0))));
            assertThat(op(h).fusionWeights()).containsExactly(0.75, 0.25);
            h.processElement1(new StreamRecord<>(input("x", "0")));
            h.prepareSnapshotPreBarrier(1);
            ScoredSample s = h.extractOutputValues().get(0);
            assertThat(s.teacherVotes).hasSize(2);
            assertThat(s.teacherWeights).containsExactly(0.75f, 0.25f);
            snapshot = h.snapshot(1, 1);
        }
        try (var restored = harness(settings)) {
            restored.initializeState(snapshot);
            restored.open();
            assertThat(op(restored).fusionWeights()).containsExactly(0.75, 0.25);
            restored.processElement2(
                    new StreamRecord<>(
                            io.flinkdistill.testing.Commands.teacherWeights(
                                    "c1", Map.of(MINI, 1.0, BGE, 1.0))));
            assertThat(op(restored).fusionWeights()).containsExactly(0.75, 0.25);
            restored.processElement2(
                    new StreamRecord<>(
                            io.flinkdistill.testing.Commands.teacherWeights(
                                    "c2", Map.of("learn", 1.0))));
            assertThat(op(restored).fusionWeights()).containsExactly(0.5, 0.5);
        }
    }

    @Test
    void shouldRankHeadsAfterEnoughSamplesAndRestoreTheSelection() throws Exception {
        TeacherSettings settings = settings(List.of(MINI), TeacherSettings.HeadMode.TOP_LOW, 8);
        OperatorSubtaskState snapshot;
        HeadSelection chosen;
        try (var h = harness(settings)) {
            h.open();
            for (int i = 0; i < 10; i++) {
                h.processElement1(new StreamRecord<>(input("s" + i, null)));
            }
            h.prepareSnapshotPreBarrier(1);
            chosen = op(h).headSelection();
            assertThat(chosen.version()).isEqualTo(1);
            assertThat(chosen.heads()).hasNumberOfRows(2);
            assertThat(chosen.heads()[0]).hasSize(5);
            assertThat(h.extractOutputValues())
                    .allSatisfy(s -> assertThat(s.attentionHeads).isEqualTo("v0 all heads"));
            h.processElement1(new StreamRecord<>(input("after", null)));
            h.prepareSnapshotPreBarrier(2);
            ScoredSample after = h.extractOutputValues().get(10);
            assertThat(after.attentionHeads).startsWith("v1 L");
            snapshot = h.snapshot(2, 2);
        }
        try (var restored = harness(settings)) {
            restored.initializeState(snapshot);
            restored.open();
            assertThat(op(restored).headSelection()).isEqualTo(chosen);
        }
    }

    @Test
    void shouldShareOneSessionBetweenSlotsOfATaskManagerAndInferSafelyFromBoth() throws Exception {
        TeacherSettings settings = settings(List.of(MINI), TeacherSettings.HeadMode.ALL, 1000);
        int before = SharedTeachers.openCount();
        try (var a = harness(settings);
                var b = harness(settings)) {
            a.open();
            b.open();
            assertThat(SharedTeachers.openCount()).isEqualTo(before + 1);
            OnnxTeacher shared = op(a).teachers().get(0);
            assertThat(op(b).teachers().get(0)).isSameAs(shared);
            List<String> texts = List.of("a fine , moving film", "dull and long", "wow");
            List<TeacherOutput> expected = shared.infer(texts);
            java.util.concurrent.ExecutorService pool =
                    java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                List<java.util.concurrent.Future<List<TeacherOutput>>> runs = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    runs.add(pool.submit(() -> shared.infer(texts)));
                }
                for (var run : runs) {
                    List<TeacherOutput> got = run.get(60, java.util.concurrent.TimeUnit.SECONDS);
                    for (int i = 0; i < texts.size(); i++) {
                        assertThat(got.get(i).embedding())
                                .containsExactly(expected.get(i).embedding());
                        assertThat(got.get(i).attention())
                                .containsExactly(expected.get(i).attention());
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(SharedTeachers.openCount()).as("the last user closed it").isEqualTo(before);
    }

    private static TeacherOperator op(
            TwoInputStreamOperatorTestHarness<TeacherInput, ControlCommand, ScoredSample> h) {
        return (TeacherOperator) h.getOperator();
    }

    private static TwoInputStreamOperatorTestHarness<TeacherInput, ControlCommand, ScoredSample>
            harness(TeacherSettings settings) throws Exception {
        return new TwoInputStreamOperatorTestHarness<>(new TeacherOperator(settings));
    }

    private static TeacherSettings settings(
            List<String> teachers, TeacherSettings.HeadMode heads, long rankAfter) {
        List<TeacherSpec> specs = new ArrayList<>();
        List<LinearHead> linear = new ArrayList<>();
        Random random = new Random(1);
        for (String t : teachers) {
            specs.add(TeacherSpec.parse(t));
            float[][] w = new float[2][384];
            for (float[] row : w) {
                for (int d = 0; d < row.length; d++) {
                    row[d] = (float) random.nextGaussian();
                }
            }
            linear.add(new LinearHead(t, List.of("0", "1"), w, new float[2]));
        }
        double[] weights = new double[teachers.size()];
        java.util.Arrays.fill(weights, 1);
        return new TeacherSettings(
                specs,
                linear,
                new TeacherSettings.Fusion(weights, true, 100),
                new TeacherSettings.Batching(32, 50, true),
                1,
                32,
                "student",
                new TeacherSettings.Attention(2, heads, 5, rankAfter));
    }

    private static TeacherInput input(String id, String label) {
        TeacherInput in = new TeacherInput();
        in.id = id;
        in.text = "sample " + id + " of a rather good film";
        in.label = label;
        in.topic = "samples";
        return in;
    }
}
