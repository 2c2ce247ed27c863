package io.flinkdistill.teacher;

import static io.flinkdistill.testing.Vectors.cosine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real pretrained e5-small-v2 (int8) encoder from its Maven jar, run by ONNX Runtime. */
class OnnxTeacherTest {
    private static OnnxTeacher teacher;

    @BeforeAll
    static void open() throws Exception {
        teacher = OnnxTeacher.open(ShippedEncoder.E5_SMALL_V2_Q, null, 64, 2);
    }

    @AfterAll
    static void close() {
        teacher.close();
    }

    @Test
    void shouldDescribeTheModel() {
        assertThat(teacher.hiddenSize()).isEqualTo(384);
        assertThat(teacher.vocabSize()).isEqualTo(30522);
        // e5-small-v2 has about 33 M parameters.
        assertThat(teacher.parameterCount()).isBetween(30_000_000L, 36_000_000L);
        assertThat(teacher.sha256()).hasSize(64);
    }

    @Test
    void shouldPoolOnlyRealTokensSoPaddingDoesNotChangeAnEmbedding() throws Exception {
        // fp32 MiniLM: with the attention mask and masked pooling, padding changes nothing. (The
        // int8 models quantise activations per batch, so there padding moves values slightly.)
        String shortText = "a gorgeous film";
        String longText =
                "an overlong , tedious and ultimately pointless exercise in style over substance";
        try (OnnxTeacher fp32 = OnnxTeacher.open(ShippedEncoder.ALL_MINILM_L6_V2, null, 64, 1)) {
            float[] alone = fp32.infer(List.of(shortText)).get(0).embedding();
            float[] padded = fp32.infer(List.of(longText, shortText)).get(1).embedding();
            assertThat(padded).hasSize(384);
            for (int i = 0; i < alone.length; i++) {
                assertThat(padded[i]).as("dim %d", i).isCloseTo(alone[i], within(1e-4f));
            }
        }
        float[] alone = teacher.infer(List.of(shortText)).get(0).embedding();
        float[] padded = teacher.infer(List.of(longText, shortText)).get(1).embedding();
        assertThat(cosine(alone, padded)).isGreaterThan(0.99);
    }

    @Test
    void shouldExportHeadAveragedAttentionOfEvenlySpacedLayersByGraphSurgery() throws Exception {
        try (OnnxTeacher withAttention =
                OnnxTeacher.openWithAttention(ShippedEncoder.E5_SMALL_V2_Q, null, 64, 1, 2)) {
            assertThat(withAttention.attentionLayers()).containsExactly(5, 11);
            List<TeacherOutput> out = withAttention.infer(List.of("a gorgeous film", "dull"));
            for (TeacherOutput o : out) {
                int n = o.tokenIds().length;
                assertThat(o.attention()).hasSize(2 * n * n);
                // Every row of every map is a probability distribution over the real tokens.
                for (int row = 0; row < 2 * n; row++) {
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        assertThat(o.attention()[row * n + j]).isBetween(0f, 1f);
                        sum += o.attention()[row * n + j];
                    }
                    assertThat(sum).isCloseTo(1.0, within(1e-4));
                }
            }
            // The same embeddings as without surgery (same batch: int8 activations are
            // quantised per batch; exposing Softmax outputs may stop an operator fusion).
            float[] plain = teacher.infer(List.of("a gorgeous film", "dull")).get(0).embedding();
            float[] surgical = out.get(0).embedding();
            for (int i = 0; i < plain.length; i++) {
                assertThat(surgical[i]).as("dim %d", i).isCloseTo(plain[i], within(1e-3f));
            }
        }
        assertThat(AttentionOutputs.layerMap(6, 4)).containsExactly(1, 2, 4, 5);
    }

    @Test
    void shouldAddTheE5QueryPrefixAndSpecialTokens() {
        int[] ids = teacher.tokenize("great");
        // [CLS] query : great [SEP]
        assertThat(ids[0]).isEqualTo(101);
        assertThat(ids[ids.length - 1]).isEqualTo(102);
        assertThat(ids.length).isEqualTo(5);
    }

    @Test
    void shouldSeparateSentimentWithAHeadFittedOnAFewExamples() throws Exception {
        List<String> positive =
                List.of(
                        "a wonderful , moving film",
                        "brilliant and funny",
                        "one of the best movies of the year",
                        "a delight from start to finish",
                        "beautifully acted and deeply touching",
                        "i loved it");
        List<String> negative =
                List.of(
                        "a dull , lifeless mess",
                        "boring and far too long",
                        "one of the worst films of the year",
                        "a tedious chore to sit through",
                        "badly acted and utterly pointless",
                        "i hated it");
        float[][] x = new float[12][];
        int[] y = new int[12];
        for (int i = 0; i < 6; i++) {
            x[i] = teacher.infer(List.of(positive.get(i))).get(0).embedding();
            y[i] = 1;
            x[6 + i] = teacher.infer(List.of(negative.get(i))).get(0).embedding();
        }
        LinearHead head =
                new HeadFitter(200, 0.05, 1e-4).fit("e5-small-v2-q", List.of("0", "1"), x, y);
        try (OnnxTeacher withHead = OnnxTeacher.open(ShippedEncoder.E5_SMALL_V2_Q, head, 64, 1)) {
            List<TeacherOutput> out =
                    withHead.infer(List.of("an absolute triumph", "a complete waste of time"));
            assertThat(out.get(0).predictedClass()).isEqualTo(1);
            assertThat(out.get(1).predictedClass()).isEqualTo(0);
        }
    }

    @Test
    void shouldRejectAHeadOfTheWrongWidth() {
        LinearHead narrow =
                new LinearHead(
                        "e5-small-v2-q",
                        List.of("a", "b"),
                        new float[][] {{1f, 2f}, {3f, 4f}},
                        new float[2]);
        assertThatThrownBy(() -> OnnxTeacher.open(ShippedEncoder.E5_SMALL_V2_Q, narrow, 64, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expects 2 features")
                .hasMessageContaining("384");
    }
}
