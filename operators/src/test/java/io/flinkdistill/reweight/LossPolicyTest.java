package io.flinkdistill.reweight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossPolicyTest {
    private static final double[] BASE = {0.5, 0.3, 0.2};

    private static LossPoint point(
            long step, double soft, double feature, double attention, double agreement) {
        return new LossPoint(
                step, new double[] {soft, feature, attention}, BASE.clone(), agreement);
    }

    @Test
    void fixedShouldNeverChangeTheWeights() {
        List<LossPoint> h = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            h.add(point(i, 1.0 / (i + 1), 1, 1, 0.5 + i * 0.01));
        }
        assertThat(LossPolicy.of("fixed").next(h, BASE)).isNull();
    }

    @Test
    void dwaShouldGiveMoreWeightToTheComponentThatFallsSlowest() {
        List<LossPoint> h = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // soft falls fast, feature stays, attention falls a little
            h.add(point(i, Math.pow(0.5, i), 1.0, Math.pow(0.9, i), 0.6));
        }
        double[] w = LossPolicy.of("dwa").next(h, BASE);

        assertThat(w).isNotNull();
        assertThat(w[1]).isGreaterThan(BASE[1]);
        assertThat(w[0]).isLessThan(BASE[0]);
        assertThat(w[0] + w[1] + w[2]).isCloseTo(1.0, within(1e-9));
        for (int k = 0; k < 3; k++) {
            assertThat(Math.abs(w[k] - BASE[k])).isLessThanOrEqualTo(WeightSteps.MAX_STEP + 1e-9);
        }
    }

    @Test
    void evalGuidedShouldFollowTheComponentWhoseDecreaseTracksAgreement() {
        List<LossPoint> h = new ArrayList<>();
        double feature = 1;
        double agreement = 0.6;
        double[] jumps = {0.02, 0.0, 0.03, 0.0, 0.025, 0.0};
        for (int i = 0; i < jumps.length; i++) {
            // feature drops exactly when agreement rises; soft falls steadily regardless
            feature *= jumps[i] > 0 ? 0.8 : 1.0;
            agreement += jumps[i];
            h.add(point(i, 1.0 - 0.05 * i, feature, 0.5 + 0.01 * ((i * 7) % 3), agreement));
        }
        double[] w = LossPolicy.of("eval-guided").next(h, BASE);

        assertThat(w).isNotNull();
        assertThat(w[1]).isGreaterThan(BASE[1]);
        assertThat(w[0] + w[1] + w[2]).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void stepsShouldBeBoundedFlooredAndLeaveInactiveComponentsAlone() {
        LossPoint now =
                new LossPoint(9, new double[] {1, 1, 0}, new double[] {0.06, 0.74, 0.2}, 0.7);
        double[] w = WeightSteps.towards(now, new double[] {0, 1, 5});

        assertThat(w[2]).isEqualTo(0.2);
        assertThat(w[0]).isGreaterThanOrEqualTo(WeightSteps.FLOOR - 1e-9);
        assertThat(w[0] + w[1]).isCloseTo(0.8, within(1e-9));
        assertThat(Math.abs(w[1] - 0.74)).isLessThanOrEqualTo(WeightSteps.MAX_STEP + 1e-9);
    }

    @Test
    void shouldNameTheOptionForAnUnknownPolicy() {
        assertThatThrownBy(() -> LossPolicy.of("adam"))
                .hasMessageContaining("--loss-policy")
                .hasMessageContaining("fixed, dwa, eval-guided");
    }

    @Test
    void driftShouldFireOnceWhenAgreementFallsBeyondTheMargin() {
        DriftDetector d = new DriftDetector(0.05, 5);
        double[] agreements = {
            0.70, 0.75, 0.80, 0.82, 0.83, 0.81, 0.82, 0.70, 0.68, 0.66, 0.66, 0.66
        };
        assertThat(firings(d, agreements, 10_000)).isEqualTo(1);
        double[] quiet = {0.8, 0.82, 0.79, 0.81, 0.78, 0.8, 0.79, 0.81};
        assertThat(firings(d, quiet, 10_000)).isZero();
        assertThatThrownBy(() -> new DriftDetector(1.5, 5)).hasMessageContaining("--drift-margin");
    }

    /**
     * A fall beyond the margin that the eval window's sampling noise explains is not drift: with
     * 100 samples a window's agreement near 0.8 has a standard error of 4 points, so a 7-point fall
     * is noise; on windows of 5,000 samples (0.6 points) the same fall is drift.
     */
    @Test
    void driftShouldNotFireOnAFallTheEvalWindowsNoiseExplains() {
        DriftDetector d = new DriftDetector(0.05, 5);
        double[] agreements = {0.80, 0.82, 0.84, 0.84, 0.84, 0.80, 0.77, 0.77, 0.77, 0.77, 0.77};
        assertThat(firings(d, agreements, 100)).isZero();
        assertThat(firings(d, agreements, 5_000)).isEqualTo(1);
        assertThat(d.noise(0.8, 0.8, 100)).isCloseTo(3 * Math.sqrt(2 * 0.16 / 100), within(1e-12));
    }

    private static int firings(DriftDetector d, double[] agreements, int window) {
        double[] state = DriftDetector.initialState();
        int fired = 0;
        for (double a : agreements) {
            if (!Double.isNaN(d.observe(state, a, window))) {
                fired++;
            }
        }
        return fired;
    }
}
