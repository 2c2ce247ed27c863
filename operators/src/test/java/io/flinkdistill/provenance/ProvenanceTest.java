package io.flinkdistill.provenance;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.loss.LossWeights;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ProvenanceTest {

    @Test
    void shouldReadBackWhatItsPartsWroteThroughTheStringEntries() {
        TrainedCounts counts =
                new TrainedCounts(
                        new TreeMap<>(Map.of(0, 7L, 1, 5L)),
                        new TreeMap<>(Map.of(0, 70L, 1, 51L)),
                        0xfedcba9876543210L,
                        3,
                        0x8000000000000001L,
                        24,
                        1_700_000_000_000L);
        Provenance written =
                Provenance.builder()
                        .teacher("e5", "abc", 33_000_000, new int[] {1, 3})
                        .tokenizerOf("shipped:e5/tokenizer.json", "query: ")
                        .classes(List.of("negative", "positive"))
                        .fusedTeacher("minilm", "def")
                        .option("seed", "7")
                        .codeVersion("1.2")
                        .student("student", "StudentConfig[...]", "teacher", "fixed")
                        .teachers(List.of("e5", "minilm"), "0:1,2", new float[] {0.6f, 0.4f})
                        .progress(12, 3, 0, "joint")
                        .schedule(new LossWeights(0.5, 0.2, 0.1, 0.2, 2.0), 2.0, 1.0)
                        .trained(counts)
                        .pruneThreshold(0.05)
                        .build();

        // As a file, a checkpoint or ONNX metadata carry it: string entries only.
        Provenance read = Provenance.of(Map.copyOf(written.entries()));

        assertThat(read).isEqualTo(written);
        assertThat(read.teacherModel()).contains("e5");
        assertThat(read.tokenizer()).contains("shipped:e5/tokenizer.json");
        assertThat(read.prefix()).isEqualTo("query: ");
        assertThat(read.teacherParameters()).hasValue(33_000_000);
        assertThat(read.classes()).containsExactly("negative", "positive");
        assertThat(read.fusedTeachers()).containsExactly(Map.entry("minilm", "def"));
        assertThat(read.option("seed")).contains("7");
        assertThat(read.codeVersion()).contains("1.2");
        assertThat(read.studentName()).contains("student");
        assertThat(read.samplesTrained()).hasValue(12);
        assertThat(read.attentionHeads()).isEqualTo("0:1,2");
        assertThat(read.trained()).isEqualTo(counts);
        assertThat(read.pruneThreshold()).isEqualTo(0.05);
    }

    @Test
    void shouldGiveEmptyValuesForWhatAStudentOfAnEarlierVersionDidNotRecord() {
        Provenance old = Provenance.of(Map.of("student.name", "student"));

        assertThat(old.tokenizer()).isEmpty();
        assertThat(old.teacherModel()).isEmpty();
        assertThat(old.prefix()).isEmpty();
        assertThat(old.classes()).isEmpty();
        assertThat(old.trained()).isEqualTo(TrainedCounts.NONE);
        assertThat(old.pruneThreshold()).isZero();
    }

    @Test
    void shouldLeaveOutZeroSkippedAugmentedAndEventTimeAsTheTrainerAlwaysHas() {
        Provenance p = Provenance.builder().trained(TrainedCounts.NONE).build();

        assertThat(p.entries()).containsOnlyKeys("training.id_digest");
    }
}
