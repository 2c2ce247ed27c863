package io.flinkdistill.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The input-shift score stays near 1 on one distribution and jumps when the mean moves. */
class InputShiftTest {
    private static final int DIM = 32;

    private static float[] sample(SplittableRandom rng, double shift) {
        float[] x = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            x[d] = (float) (rng.nextGaussian() * (1 + 0.1 * d) + (d < 8 ? shift : 0));
        }
        return x;
    }

    @Test
    void shouldScoreAboutOneWithoutShiftAndFarMoreAfterIt() {
        SplittableRandom rng = new SplittableRandom(4);
        InputShift s = new InputShift(200, DIM);
        for (int i = 0; i < 200; i++) {
            s.add(sample(rng, 0));
        }
        assertThat(Double.isNaN(s.score())).isTrue();
        double max = 0;
        for (int b = 0; b < 20; b++) {
            for (int i = 0; i < 200; i++) {
                s.add(sample(rng, 0));
            }
            max = Math.max(max, s.score());
        }
        assertThat(s.blocksCompared()).isEqualTo(20);
        assertThat(max).isBetween(1.0, 2.5);
        // A quarter of the dimensions move by about two-thirds of their standard deviation: each
        // of those scores about 1 / (2 sigma^2 / 200), so the mean over all is about 14.
        for (int i = 0; i < 200; i++) {
            s.add(sample(rng, 1.0));
        }
        assertThat(s.score()).isGreaterThan(8);
    }

    @Test
    void shouldTakeANewReferenceAfterAResetAndSurviveARestore() {
        SplittableRandom rng = new SplittableRandom(5);
        InputShift s = new InputShift(100, DIM);
        for (int i = 0; i < 250; i++) {
            s.add(sample(rng, 0));
        }
        InputShift copy = new InputShift(100, DIM);
        copy.restore(s.toState());
        for (int i = 0; i < 50; i++) {
            float[] x = sample(rng, 2);
            s.add(x);
            copy.add(x);
        }
        // Half of the block moved by 2 on a quarter of the dimensions.
        assertThat(copy.score()).isEqualTo(s.score()).isGreaterThan(4);
        s.reset();
        assertThat(Double.isNaN(s.score())).isTrue();
        for (int i = 0; i < 300; i++) {
            s.add(sample(rng, 2));
        }
        // The new domain is the reference now.
        assertThat(s.score()).isLessThan(2.5);
    }
}
