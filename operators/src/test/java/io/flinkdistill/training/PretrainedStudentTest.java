package io.flinkdistill.training;

import static io.flinkdistill.testing.Vectors.cosine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.student.StudentModel;
import io.flinkdistill.teacher.EncoderWeights;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.ShippedEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bert-family student loaded from a real shipped encoder computes what that encoder computes:
 * with all its layers, full-rank embeddings and full feed-forward width, the student's mean-pooled
 * last hidden state is the encoder's pooled output as ONNX Runtime computes it.
 */
class PretrainedStudentTest {
    private static final List<String> TEXTS =
            List.of(
                    "a gripping , funny and deeply moving film",
                    "the plot is thin",
                    "i would not recommend this restaurant to anyone who likes food that tastes of"
                            + " something");

    @Test
    void shouldComputeWhatTheFloatEncoderComputes() throws Exception {
        StudentConfig c = bert(6, 384, 1536);
        float[][] student = pooledLastLayer(c, ShippedEncoder.ALL_MINILM_L6_V2);
        float[][] encoder = encoderPooled(ShippedEncoder.ALL_MINILM_L6_V2);
        for (int b = 0; b < TEXTS.size(); b++) {
            for (int d = 0; d < 384; d++) {
                assertThat(student[b][d])
                        .isCloseTo(encoder[b][d], org.assertj.core.data.Offset.offset(2e-3f));
            }
        }
    }

    @Test
    void shouldDequantiseAnInt8EncoderPerColumn() throws Exception {
        // The int8 e5 quantises activations too, so the float student is close, not equal.
        StudentConfig c = bert(12, 384, 1536);
        float[][] student = pooledLastLayer(c, ShippedEncoder.E5_SMALL_V2_Q);
        float[][] encoder = encoderPooled(ShippedEncoder.E5_SMALL_V2_Q);
        for (int b = 0; b < TEXTS.size(); b++) {
            assertThat(cosine(student[b], encoder[b])).isGreaterThan(0.98);
        }
    }

    @Test
    void shouldKeepTheMostImportantFeedForwardUnitsInOrder() {
        // hidden 1, ffn 4: importance |in_j| * |out_j| = 1*4, 3*1, 2*5, 0.5*1
        float[] in = {1f, 3f, -2f, 0.5f};
        float[] out = {4f, 1f, 5f, -1f};
        assertThat(PretrainedStudent.mostImportantUnits(in, out, 1, 4, 2)).containsExactly(0, 2);
        assertThat(PretrainedStudent.mostImportantUnits(in, out, 1, 4, 3)).containsExactly(0, 1, 2);
    }

    @Test
    void shouldTakeTheFirstLayersAtTheStudentsShape() throws Exception {
        StudentConfig c = bert(1, 64, 512);
        Map<String, float[]> w = PretrainedStudent.weights(c, ShippedEncoder.ALL_MINILM_L6_V2.id());
        assertThat(w.get("embed.tokens")).hasSize(30522 * 64);
        assertThat(w.get("embed.proj")).hasSize(64 * 384);
        assertThat(w.get("layer0.ffn.in.w")).hasSize(384 * 512);
        assertThat(w.get("layer0.ffn.out.w")).hasSize(512 * 384);
        assertThat(w).doesNotContainKeys("layer1.ln1.g", "head.w", "feature.proj.w");
        try (NDManager m = NDManager.newBaseManager();
                StudentModel model = StudentModel.create(c, m)) {
            assertThat(model.parameters().keySet()).containsAll(w.keySet());
            w.forEach(model::setParameter);
        }
    }

    @Test
    void shouldStartANewTrainerFromTheEncoderButNotARestoredOne() throws Exception {
        StudentConfig c = bert(1, 16, 256);
        TrainerSettings settings =
                TrainerSettings.builder(c)
                        .optEmbeddingInit(
                                TrainerSettings.PRETRAINED_LAYERS
                                        + ShippedEncoder.ALL_MINILM_L6_V2.id())
                        .optProvenance(io.flinkdistill.testing.ShippedTeacher.PROVENANCE)
                        .build();
        Map<String, float[]> pretrained =
                PretrainedStudent.weights(c, ShippedEncoder.ALL_MINILM_L6_V2.id());
        try (StudentTrainer trainer = new StudentTrainer("student", settings)) {
            TrainerState state = trainer.snapshot();
            pretrained.forEach(
                    (name, w) -> assertThat(state.weights().get(name)).containsExactly(w));
            // A restore keeps the snapshot's weights, it does not start over from the encoder.
            float[] q = state.weights().get("layer0.attn.q.w");
            q[0] += 1f;
            try (StudentTrainer restored = StudentTrainer.restore(state, settings)) {
                assertThat(restored.snapshot().weights().get("layer0.attn.q.w")).containsExactly(q);
            }
        }
    }

    @Test
    void shouldRefuseAStudentThatDoesNotFitTheEncoder() {
        assertThatThrownBy(
                        () ->
                                PretrainedStudent.weights(
                                        bert(1, 64, 512).withShape(64, 256, 4, 512),
                                        ShippedEncoder.ALL_MINILM_L6_V2.id()))
                .hasMessageContaining("hidden size (256)")
                .hasMessageContaining("(384)");
        assertThatThrownBy(
                        () ->
                                PretrainedStudent.weights(
                                        bert(7, 64, 512), ShippedEncoder.ALL_MINILM_L6_V2.id()))
                .hasMessageContaining("layer count (7)")
                .hasMessageContaining("(6)");
        assertThatThrownBy(
                        () ->
                                PretrainedStudent.requireShapeFits(
                                        bert(1, 64, 512).withShape(64, 384, 6, 512),
                                        EncoderWeights.open(ShippedEncoder.E5_SMALL_V2_Q.id()),
                                        "e5"))
                .hasMessageContaining("head count (6)")
                .hasMessageContaining("(12)");
        assertThatThrownBy(
                        () ->
                                PretrainedStudent.requireVocabularyFits(
                                        250_002,
                                        EncoderWeights.open(ShippedEncoder.E5_SMALL_V2_Q.id()),
                                        "e5"))
                .hasMessageContaining("vocabulary (250002)")
                .hasMessageContaining("(30522)");
        assertThatThrownBy(
                        () ->
                                TrainerSettings.builder(
                                                bert(1, 64, 512)
                                                        .withFamily(
                                                                StudentConfig.Family.TRANSFORMER,
                                                                5))
                                        .optEmbeddingInit(
                                                TrainerSettings.PRETRAINED_LAYERS
                                                        + ShippedEncoder.ALL_MINILM_L6_V2.id())
                                        .build())
                .hasMessageContaining("only a bert-family student");
    }

    private static StudentConfig bert(int layers, int embed, int ffn) {
        return new StudentConfig(30522, embed, 384, layers, 12, ffn, 64, 2, 384, 0.1f, 3)
                .withFamily(StudentConfig.Family.BERT, 5);
    }

    private static float[][] pooledLastLayer(StudentConfig c, ShippedEncoder e) throws Exception {
        List<int[]> tokens = tokens(e);
        try (NDManager m = NDManager.newBaseManager();
                StudentModel model = StudentModel.create(c, m);
                NDManager step = m.newSubManager()) {
            PretrainedStudent.weights(c, e.id()).forEach(model::setParameter);
            List<NDArray> states = model.forward(step, tokens, false).hiddenStates();
            NDArray last = states.get(states.size() - 1);
            int len = (int) last.getShape().get(1);
            float[] flat = last.toFloatArray();
            float[][] out = new float[tokens.size()][384];
            for (int b = 0; b < tokens.size(); b++) {
                int n = tokens.get(b).length;
                for (int t = 0; t < n; t++) {
                    for (int d = 0; d < 384; d++) {
                        out[b][d] += flat[(b * len + t) * 384 + d] / n;
                    }
                }
            }
            return out;
        }
    }

    private static float[][] encoderPooled(ShippedEncoder e) throws Exception {
        try (OnnxTeacher t = OnnxTeacher.open(e, null, 64, 1)) {
            return t.inferTokens(tokens(e)).stream()
                    .map(o -> o.embedding())
                    .toArray(float[][]::new);
        }
    }

    private static List<int[]> tokens(ShippedEncoder e) throws Exception {
        try (OnnxTeacher t = OnnxTeacher.open(e, null, 64, 1)) {
            List<int[]> out = new ArrayList<>();
            for (String text : TEXTS) {
                out.add(t.tokenize(text));
            }
            return out;
        }
    }
}
