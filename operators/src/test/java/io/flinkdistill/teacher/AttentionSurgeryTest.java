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

    @ParameterizedTest
    @EnumSource(ShippedEncoder.class)
    void shouldAverageHeadsInsideTheGraphAsTheOperatorDoes(ShippedEncoder encoder)
            throws Exception {
        TeacherSpec spec = TeacherSpec.shipped(encoder);
        List<String> texts = List.of("a gentle , funny film", "dull");
        try (OnnxTeacher java = OnnxTeacher.openWithAttention(spec, null, 64, 1, 2, false);
                OnnxTeacher graph = OnnxTeacher.openWithAttention(spec, null, 64, 1, 2, true)) {
            assertThat(java.attentionHeads()).isEqualTo(12);
            assertThat(graph.attentionHeads()).isZero();
            List<TeacherOutput> a = java.infer(texts);
            List<TeacherOutput> b = graph.infer(texts);
            for (int i = 0; i < texts.size(); i++) {
                float[] x = a.get(i).attention();
                float[] y = b.get(i).attention();
                assertThat(y).hasSameSizeAs(x);
                for (int k = 0; k < x.length; k++) {
                    assertThat(y[k])
                            .as("%s element %d", encoder.id(), k)
                            .isCloseTo(x[k], within(1e-5f));
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void shouldRankHeadsByAttentionEntropyAndAverageOnlyTheChosenOnes() throws Exception {
        TeacherSpec spec = TeacherSpec.shipped(ShippedEncoder.ALL_MINILM_L6_V2_Q);
        List<String> texts =
                List.of(
                        "the film is a gentle , funny and moving portrait of a family",
                        "dull , dull , dull",
                        "an overlong and ultimately pointless exercise in style");
        try (OnnxTeacher t = OnnxTeacher.openWithAttention(spec, null, 64, 1, 2, false)) {
            List<int[]> tokens = texts.stream().map(t::tokenize).toList();
            AttentionEntropy entropy = new AttentionEntropy(2, t.attentionHeads());
            List<TeacherOutput> all = t.inferTokens(tokens, HeadSelection.ALL, entropy);
            assertThat(entropy.samples()).isEqualTo(3);
            double[][] means = entropy.means();
            for (double[] layer : means) {
                for (double e : layer) {
                    assertThat(e).isBetween(0.0, 1.0);
                }
            }
            int[][] high = entropy.top(5, AttentionEntropy.Rank.HIGH);
            int[][] low = entropy.top(5, AttentionEntropy.Rank.LOW);
            for (int layer = 0; layer < 2; layer++) {
                final int l = layer;
                assertThat(high[l]).hasSize(5).isSorted();
                double minHigh =
                        java.util.Arrays.stream(high[l])
                                .mapToDouble(h -> entropyOf(means, h, l))
                                .min()
                                .orElseThrow();
                double maxLow =
                        java.util.Arrays.stream(low[l])
                                .mapToDouble(h -> entropyOf(means, h, l))
                                .max()
                                .orElseThrow();
                assertThat(minHigh)
                        .as("layer %d: every chosen high head beats every low one", l)
                        .isGreaterThan(maxLow);
            }
            HeadSelection chosen = new HeadSelection(1, high);
            List<TeacherOutput> top = t.inferTokens(tokens, chosen, null);
            int n = tokens.get(1).length;
            float[] a = all.get(1).attention();
            float[] b = top.get(1).attention();
            assertThat(b).hasSameSizeAs(a).isNotEqualTo(a);
            for (int row = 0; row < 2 * n; row++) {
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    sum += b[row * n + j];
                }
                assertThat(sum).isCloseTo(1.0, within(1e-4));
            }
            assertThat(chosen.describe(t.attentionLayers()))
                    .startsWith("v1 L" + t.attentionLayers()[0] + "[");
        }
    }

    private static double entropyOf(double[][] means, int head, int layer) {
        return means[layer][head];
    }
}
