package io.flinkdistill.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.export.FfnPruning;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.publish.Pruning;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.student.StudentConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pruning of a published student is decided on the eval window, measured on the exported files
 * with ONNX Runtime: as far as agreement allows, and no further.
 */
class PruningDecisionTest {
    private static final StudentConfig C =
            new StudentConfig(1000, 16, 32, 2, 4, 64, 24, 3, 48, 0.1f, 5);

    /** No provenance: the files name the shipped teacher's tokenizer. */
    private static final Provenance PROVENANCE = io.flinkdistill.testing.ShippedTeacher.PROVENANCE;

    private static Map<String, float[]> weights;
    private static List<ScoredSample> window;

    @BeforeAll
    static void studentAndWindow() throws Exception {
        SplittableRandom rng = new SplittableRandom(3);
        weights = io.flinkdistill.export.FfnPruningTest.noisyWeights(C, rng);
        // Neuron j's mean |incoming weight| becomes 0.12 (j + 1) / ffn: the grid's thresholds
        // (0.01 to 0.10) each remove a few more.
        for (int l = 0; l < C.layers(); l++) {
            float[] win = weights.get("layer" + l + ".ffn.in.w");
            for (int j = 0; j < C.ffn(); j++) {
                double l1 = 0;
                for (int i = 0; i < C.hidden(); i++) {
                    l1 += Math.abs(win[i * C.ffn() + j]);
                }
                double scale = 0.12 * (j + 1) / C.ffn() / (l1 / C.hidden());
                for (int i = 0; i < C.hidden(); i++) {
                    win[i * C.ffn() + j] *= (float) scale;
                }
            }
        }
        // The "teacher" of the window is the unpruned student itself: it agrees on every sample.
        window = new ArrayList<>();
        List<int[]> tokens = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int[] t = new int[2 + rng.nextInt(20)];
            for (int j = 0; j < t.length; j++) {
                t[j] = rng.nextInt(C.vocabSize());
            }
            tokens.add(t);
        }
        float[][] probs;
        byte[] unpruned =
                StudentExporter.export(C, weights, PROVENANCE, StudentOnnxExport.Precision.FP32);
        try (OnnxStudent student = OnnxStudent.open(unpruned, 1)) {
            probs = student.predictTokens(tokens);
        }
        for (int i = 0; i < tokens.size(); i++) {
            ScoredSample s = new ScoredSample();
            s.id = "w" + i;
            s.tokens = tokens.get(i);
            s.teacherLogits = probs[i];
            window.add(s);
        }
    }

    @Test
    void shouldMeasureTheUnprunedFileAsAgreeingEverywhere() {
        Pruning.Choice c =
                Pruning.off().choose(C, weights, PROVENANCE, WindowAgreement.over(window));
        assertThat(c.threshold()).isZero();
        assertThat(c.kept()).isEqualTo(C.ffn() * C.layers());
        assertThat(c.unprunedAgreement()).isEqualTo(1.0);
        assertThat(c.agreement()).isEqualTo(1.0);
    }

    @Test
    void shouldPruneOnlyAsFarAsTheWindowAllows() {
        // A fixed threshold high enough to remove most neurons changes some answers.
        Pruning.Choice heavy =
                Pruning.fixed(0.1).choose(C, weights, PROVENANCE, WindowAgreement.over(window));
        assertThat(heavy.kept()).isLessThan(C.ffn() * C.layers() / 2);
        assertThat(heavy.agreement()).isLessThan(0.99);

        Pruning.Choice strict =
                Pruning.auto(0).choose(C, weights, PROVENANCE, WindowAgreement.over(window));
        Pruning.Choice loose =
                Pruning.auto(0.05).choose(C, weights, PROVENANCE, WindowAgreement.over(window));
        assertThat(strict.agreement()).isEqualTo(1.0);
        assertThat(loose.agreement()).isGreaterThanOrEqualTo(0.95);
        assertThat(loose.threshold()).isGreaterThan(strict.threshold());
        assertThat(loose.kept()).isLessThan(strict.kept());
        // The returned file is the chosen one: measured again, it agrees as reported.
        assertThat(new WindowAgreement(window).applyAsDouble(loose.fp32()))
                .isEqualTo(loose.agreement());
        int kept = 0;
        for (int k : FfnPruning.prune(C, weights, loose.threshold()).kept()) {
            kept += k;
        }
        assertThat(loose.kept()).isEqualTo(kept);
    }

    @Test
    void shouldNotPruneWithoutAWindowToProveItSafe() {
        Pruning.Choice c = Pruning.auto(0.05).choose(C, weights, PROVENANCE, null);
        assertThat(c.threshold()).isZero();
        assertThat(c.kept()).isEqualTo(C.ffn() * C.layers());
        assertThat(Double.isNaN(c.agreement())).isTrue();
    }
}
