package io.flinkdistill.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Weighted voting of teachers, with fixed, learned and pinned weights. */
class TeacherFusionTest {

    @Test
    void shouldMixTheTeachersDistributionsByWeight() {
        TeacherFusion f = new TeacherFusion(new double[] {3, 1}, false, 100);
        float[] fused = f.fuse(new float[][] {{0f, (float) Math.log(3)}, {0f, 0f}});
        // 0.75 * (0.25, 0.75) + 0.25 * (0.5, 0.5) = (0.3125, 0.6875)
        assertThat(Math.exp(fused[0])).isCloseTo(0.3125, within(1e-6));
        assertThat(Math.exp(fused[1])).isCloseTo(0.6875, within(1e-6));
    }

    @Test
    void shouldLearnToTrustTheTeacherThatAgreesWithTheLabels() {
        TeacherFusion f = new TeacherFusion(new double[] {1, 1}, true, 10_000);
        for (int i = 0; i < TeacherFusion.MIN_LABELS - 1; i++) {
            f.observe(new int[] {1, i % 2}, 1);
        }
        assertThat(f.weights()).containsExactly(0.5, 0.5);
        for (int i = 0; i < 200; i++) {
            f.observe(new int[] {1, i % 2}, 1);
        }
        // Teacher 0 is always right, teacher 1 a coin: log-odds weights, the coin floored.
        double[] w = f.weights();
        assertThat(w[0]).isGreaterThan(0.9);
        assertThat(w[0] + w[1]).isCloseTo(1.0, within(1e-12));
        assertThat(f.accuracy(1)).isCloseTo(0.5, within(0.01));
    }

    @Test
    void shouldForgetOldLabelsWhenATeacherDrifts() {
        TeacherFusion f = new TeacherFusion(new double[] {1, 1}, true, 50);
        for (int i = 0; i < 500; i++) {
            f.observe(new int[] {1, 0}, 1);
        }
        assertThat(f.weights()[0]).isGreaterThan(0.9);
        for (int i = 0; i < 500; i++) {
            f.observe(new int[] {1, 0}, 0);
        }
        assertThat(f.weights()[1]).isGreaterThan(0.9);
    }

    @Test
    void shouldHoldPinnedWeightsUntilReleasedAndSurviveACheckpoint() {
        TeacherFusion f = new TeacherFusion(new double[] {1, 1}, true, 100);
        for (int i = 0; i < 100; i++) {
            f.observe(new int[] {1, 0}, 1);
        }
        f.pin(new double[] {1, 3});
        assertThat(f.weights()).containsExactly(0.25, 0.75);
        TeacherFusion copy = new TeacherFusion(new double[] {1, 1}, true, 100);
        copy.restore(f.toArray());
        assertThat(copy.weights()).containsExactly(0.25, 0.75);
        copy.pin(null);
        assertThat(copy.weights()[0])
                .as("learned again: teacher 0 was always right")
                .isGreaterThan(0.9);
    }

    @Test
    void shouldRejectWeightsThatCannotBeNormalised() {
        assertThatThrownBy(() -> new TeacherFusion(new double[] {0, 0}, false, 1))
                .hasMessage("teacher weights must not all be 0, got [0.0, 0.0]");
        assertThatThrownBy(() -> new TeacherFusion(new double[] {1, -1}, false, 1))
                .hasMessage("teacher weights must be finite and >= 0, got [1.0, -1.0]");
    }
}
