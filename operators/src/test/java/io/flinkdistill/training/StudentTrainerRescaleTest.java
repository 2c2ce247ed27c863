package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.schemas.ControlCommand;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two students trained by one subtask, restored onto two subtasks: each lands whole on its owner.
 */
class StudentTrainerRescaleTest {
    /** Commands are broadcast, not keyed. */
    static final org.apache.flink.api.java.functions.KeySelector<ControlCommand, String> NO_KEY =
            null;

    private static final int MAX_PARALLELISM = 128;
    private static final List<String> STUDENTS = List.of("alpha", "beta");

    @TempDir java.nio.file.Path exportDir;

    @Test
    void shouldRestoreEachStudentOnTheSubtaskThatOwnsItsKeyAfterScalingFromOneToTwo()
            throws Exception {
        Map<String, TrainerState> before = new HashMap<>();
        OperatorSubtaskState snapshot;
        try (var single = harness(1, 0)) {
            single.open();
            for (String student : STUDENTS) {
                for (ScoredSample s : SyntheticSamples.generate(50, student.hashCode(), false)) {
                    s.student = student;
                    single.processElement1(new StreamRecord<>(s));
                }
            }
            snapshot = single.snapshot(1L, 1L);
            for (String student : STUDENTS) {
                before.put(student, operator(single).trainer(student).snapshot());
            }
        }
        assertThat(ownerOf("alpha"))
                .as("the test needs the keys on different subtasks")
                .isNotEqualTo(ownerOf("beta"));

        for (int subtask = 0; subtask < 2; subtask++) {
            OperatorSubtaskState part =
                    AbstractStreamOperatorTestHarness.repartitionOperatorState(
                            snapshot, MAX_PARALLELISM, 1, 2, subtask);
            try (var h = harness(2, subtask)) {
                h.initializeState(part);
                h.open();
                for (String student : STUDENTS) {
                    if (ownerOf(student) != subtask) {
                        continue;
                    }
                    ScoredSample probe = SyntheticSamples.generate(1, 1000, true).get(0);
                    probe.student = student;
                    h.processElement1(new StreamRecord<>(probe));
                    TrainerState after = operator(h).trainer(student).snapshot();
                    TrainerState expected = before.get(student);
                    assertThat(after.samplesTrained())
                            .isEqualTo(expected.samplesTrained())
                            .isEqualTo(48L);
                    assertThat(after.pending()).hasSize(2);
                    for (String name : expected.weights().keySet()) {
                        assertThat(after.weights().get(name))
                                .as(student + " " + name)
                                .containsExactly(expected.weights().get(name));
                    }
                }
            }
        }
    }

    private static int ownerOf(String key) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(key, MAX_PARALLELISM, 2);
    }

    private KeyedTwoInputStreamOperatorTestHarness<
                    String, ScoredSample, ControlCommand, StudentVersion>
            harness(int parallelism, int subtask) throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new StudentTrainerOperator(
                        TrainerFixtures.tinySettings(),
                        exportDir.toString(),
                        io.flinkdistill.publish.PublishSettings.off(),
                        null,
                        0),
                s -> s.student,
                NO_KEY,
                Types.STRING,
                MAX_PARALLELISM,
                parallelism,
                subtask);
    }

    private static StudentTrainerOperator operator(
            KeyedTwoInputStreamOperatorTestHarness<
                            String, ScoredSample, ControlCommand, StudentVersion>
                    h) {
        return (StudentTrainerOperator) h.getOperator();
    }
}
