package io.flinkdistill.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Graph surgery on every shipped encoder: attention maps come out, and padding gets no attention.
 */
class AttentionSurgeryTest {

    @ParameterizedTest
    @EnumSource(ShippedEncoder.class)
    void shouldExportAttentionWhoseRowsOverRealTokensSumToOne(ShippedEncoder encoder)
            throws Exception {
        try (OnnxTeacher teacher = OnnxTeacher.openWithAttention(encoder, null, 64, 1, 2)) {
            int[] layers = teacher.attentionLayers();
            assertThat(layers).hasSize(2);
            assertThat(layers[1])
                    .as("the last teacher layer feeds the last student layer")
                    .isIn(5, 11);
            // A long and a short input in one batch: the short one is padded, and its rows over its
            // real tokens summing to 1 means the padded keys got no attention.
            List<TeacherOutput> out =
                    teacher.infer(
                            List.of(
                                    "an overlong , tedious and ultimately pointless exercise in style over substance",
                                    "moving"));
            TeacherOutput padded = out.get(1);
            int n = padded.tokenIds().length;
            assertThat(padded.attention()).hasSize(2 * n * n);
            for (int row = 0; row < 2 * n; row++) {
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    sum += padded.attention()[row * n + j];
                }
                assertThat(sum).as("%s row %d", encoder.id(), row).isCloseTo(1.0, within(1e-4));
            }
        }
    }
}
