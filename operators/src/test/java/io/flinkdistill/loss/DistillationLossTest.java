package io.flinkdistill.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DistillationLossTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void softKlMatchesHandComputedValueAtTemperatureTwo() {
        // teacher logits [2, 0] / 2 -> softmax [e/(e+1), 1/(e+1)] = [0.731059, 0.268941]
        // student logits [0, 0] / 2 -> [0.5, 0.5]
        // KL = 0.731059 ln(0.731059/0.5) + 0.268941 ln(0.268941/0.5) = 0.277718 - 0.166775 =
        // 0.110943
        // times tau^2 = 4 -> 0.443773
        NDArray teacher = manager.create(new float[] {2f, 0f}, new Shape(1, 2));
        NDArray student = manager.create(new float[] {0f, 0f}, new Shape(1, 2));
        float kl = DistillationLoss.softKl(student, teacher, 2f).getFloat();
        assertThat((double) kl).isCloseTo(0.443773, within(1e-5));
    }

    @Test
    void softKlIsZeroWhenStudentEqualsTeacherAndAveragesOverBatch() {
        NDArray teacher = manager.create(new float[] {1f, -1f, 3f, 0f}, new Shape(2, 2));
        assertThat((double) DistillationLoss.softKl(teacher, teacher, 3f).getFloat())
                .isCloseTo(0, within(1e-7));
        // Row 1 equal (KL 0), row 2 as in the hand-computed case at tau 1:
        // teacher [3, 1] -> [0.880797, 0.119203]; student [1, 1] -> [0.5, 0.5]
        // KL = 0.880797 ln(1.761594) + 0.119203 ln(0.238406) = 0.498724 - 0.170912 = 0.327812; mean
        // 0.163906
        NDArray t = manager.create(new float[] {1f, -1f, 3f, 1f}, new Shape(2, 2));
        NDArray s = manager.create(new float[] {1f, -1f, 1f, 1f}, new Shape(2, 2));
        assertThat((double) DistillationLoss.softKl(s, t, 1f).getFloat())
                .isCloseTo(0.163906, within(1e-5));
    }

    @Test
    void logitMseSumsOverClassesAndAveragesOverTheBatch() {
        // Row 0: student [1, 2] vs teacher [0, 0] -> 1 + 4 = 5; row 1: [3, 1] vs [0, 1] -> 9 + 0 =
        // 9; mean (5 + 9) / 2 = 7.
        NDArray student = manager.create(new float[] {1f, 2f, 3f, 1f}, new Shape(2, 2));
        NDArray teacher = manager.create(new float[] {0f, 0f, 0f, 1f}, new Shape(2, 2));
        assertThat((double) DistillationLoss.logitMse(student, teacher).getFloat())
                .isCloseTo(7.0, within(1e-6));
        // The soft-loss choice routes to it, ignoring the temperature; KL stays the KL.
        assertThat((double) SoftLoss.MSE.of(student, teacher, 3f).getFloat())
                .isCloseTo(7.0, within(1e-6));
        assertThat((double) SoftLoss.KL.of(student, teacher, 3f).getFloat())
                .isCloseTo(DistillationLoss.softKl(student, teacher, 3f).getFloat(), within(1e-7));
    }

    @Test
    void rowWeightsScaleEachRowsShareOfEveryTerm() {
        // Weights [2, 0] (mean 1): each term is its first row's value alone.
        NDArray w = manager.create(new float[] {2f, 0f}, new Shape(2));
        NDArray teacher = manager.create(new float[] {2f, 0f, 5f, -5f}, new Shape(2, 2));
        NDArray student = manager.create(new float[] {0f, 0f, 0f, 0f}, new Shape(2, 2));
        // Row 0 is the hand-computed case above: 0.443773 at tau 2.
        assertThat((double) DistillationLoss.softKl(student, teacher, 2f, w).getFloat())
                .isCloseTo(0.443773, within(1e-5));
        assertThat((double) DistillationLoss.logitMse(student, teacher, w).getFloat())
                .isCloseTo(4.0, within(1e-6));
        assertThat((double) DistillationLoss.featureMse(student, teacher, w).getFloat())
                .isCloseTo(2.0, within(1e-6));
        // CE: row 0 labelled class 0 with logits [0, 0] -> ln 2, weight 2, over a batch of 2.
        assertThat(
                        (double)
                                DistillationLoss.hardCrossEntropy(student, new int[] {0, 1}, w)
                                        .getFloat())
                .isCloseTo(0.693147, within(1e-6));
        // Null weights are the unweighted terms.
        assertThat(DistillationLoss.softKl(student, teacher, 2f, null).getFloat())
                .isEqualTo(DistillationLoss.softKl(student, teacher, 2f).getFloat());
        assertThat(DistillationLoss.hardCrossEntropy(student, new int[] {0, 1}, null).getFloat())
                .isEqualTo(DistillationLoss.hardCrossEntropy(student, new int[] {0, 1}).getFloat());
    }

    @Test
    void featureMseIsMeanOfSquaredDifferences() {
        NDArray a = manager.create(new float[] {1f, 2f, 3f, 4f}, new Shape(2, 2));
        NDArray b = manager.create(new float[] {1f, 0f, 0f, 4f}, new Shape(2, 2));
        // (0 + 4 + 9 + 0) / 4 = 3.25
        assertThat((double) DistillationLoss.featureMse(a, b).getFloat())
                .isCloseTo(3.25, within(1e-6));
    }

    @Test
    void hardCrossEntropyCountsOnlyLabelledRowsButAveragesOverTheBatch() {
        // Row 0 labelled class 0 with logits [0, 0]: CE = ln 2 = 0.693147; row 1 unlabelled.
        NDArray logits = manager.create(new float[] {0f, 0f, 5f, -5f}, new Shape(2, 2));
        float ce = DistillationLoss.hardCrossEntropy(logits, new int[] {0, -1}).getFloat();
        assertThat((double) ce).isCloseTo(0.693147 / 2, within(1e-6));
    }

    @Test
    void attentionCosineIsOneMinusRowCosineOverRealRows() {
        // One sample, T = 2, one layer. Row 0: student [1, 0], teacher [0.6, 0.8] -> cos 0.6.
        // Row 1 is padding (mask 0) and must not count, whatever it holds.
        NDArray student = manager.create(new float[] {1f, 0f, 0.5f, 0.5f}, new Shape(1, 2, 2));
        NDArray teacher = manager.create(new float[] {0.6f, 0.8f, 0f, 0f}, new Shape(1, 1, 2, 2));
        NDArray mask = manager.create(new float[] {1f, 0f}, new Shape(1, 2));
        float loss =
                DistillationLoss.attentionCosine(java.util.List.of(student), teacher, mask)
                        .getFloat();
        assertThat((double) loss).isCloseTo(0.4, within(1e-6));
        // Identical maps: no loss.
        NDArray same = manager.create(new float[] {0.6f, 0.8f, 0.3f, 0.7f}, new Shape(1, 2, 2));
        NDArray sameTeacher =
                manager.create(new float[] {0.6f, 0.8f, 0.3f, 0.7f}, new Shape(1, 1, 2, 2));
        NDArray full = manager.create(new float[] {1f, 1f}, new Shape(1, 2));
        assertThat(
                        (double)
                                DistillationLoss.attentionCosine(
                                                java.util.List.of(same), sameTeacher, full)
                                        .getFloat())
                .isCloseTo(0, within(1e-6));
    }

    @Test
    void attentionRowWeightsShouldDownWeighWithoutInflatingTheRest() {
        // Two samples, T = 1 each real row: sample 0 cos 0.6 (loss 0.4), sample 1 cos 0 (loss 1).
        NDArray student = manager.create(new float[] {1f, 0f, 1f, 0f}, new Shape(2, 1, 2));
        NDArray teacher = manager.create(new float[] {0.6f, 0.8f, 0f, 1f}, new Shape(1, 2, 1, 2));
        NDArray mask = manager.create(new float[] {1f, 1f}, new Shape(2, 1));
        NDArray weight = manager.create(new float[] {1f, 0.25f}, new Shape(2, 1));
        float full =
                DistillationLoss.attentionCosine(java.util.List.of(student), teacher, mask)
                        .getFloat();
        float weighted =
                DistillationLoss.attentionCosine(java.util.List.of(student), teacher, mask, weight)
                        .getFloat();
        assertThat((double) full).isCloseTo((0.4 + 1.0) / 2, within(1e-6));
        assertThat((double) weighted).isCloseTo((0.4 + 0.25 * 1.0) / 2, within(1e-6));
    }
}
