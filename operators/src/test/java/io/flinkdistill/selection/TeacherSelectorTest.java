package io.flinkdistill.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TeacherSelectorTest {
    private static final int N = 20_000;

    @Test
    void parsesSharesAndRatesAndNamesWhatIsWrong() {
        assertThat(TeacherBudget.parse("0.25")).isEqualTo(new TeacherBudget(0.25, 0));
        assertThat(TeacherBudget.parse("25%")).isEqualTo(new TeacherBudget(0.25, 0));
        assertThat(TeacherBudget.parse("40/s")).isEqualTo(new TeacherBudget(1, 40));
        assertThat(TeacherBudget.parse("1").isUnlimited()).isTrue();
        assertThat(TeacherBudget.parse("25%").toString()).isEqualTo("25%");
        assertThat(TeacherBudget.parse("40/s").toString()).isEqualTo("40/s");
        for (String bad : new String[] {"0", "150%", "1.5", "abc", "-3/s", "0/s", "NaN"}) {
            assertThatThrownBy(() -> TeacherBudget.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad);
        }
    }

    @Test
    void randomTakesItsShareByIdAndTheSameIdAlwaysDrawsTheSame() {
        TeacherSelector a =
                new TeacherSelector(TeacherBudget.parse("25%"), SelectionPolicy.RANDOM, 0, 1);
        TeacherSelector b =
                new TeacherSelector(TeacherBudget.parse("25%"), SelectionPolicy.RANDOM, 0, 1);
        int taken = 0;
        for (int i = 0; i < N; i++) {
            double draw = draw("s" + i);
            boolean first = a.select(draw, Double.NaN, i);
            assertThat(b.select(draw, Double.NaN, 10L * i)).isEqualTo(first);
            taken += first ? 1 : 0;
        }
        assertThat(taken / (double) N).isCloseTo(0.25, within(0.01));
    }

    @Test
    void uncertaintyTakesTheLeastSureShareAndIsRandomWithoutAStudent() {
        TeacherSelector s =
                new TeacherSelector(TeacherBudget.parse("0.2"), SelectionPolicy.UNCERTAINTY, 0, 1);
        Random r = new Random(1);
        int withoutStudent = 0;
        for (int i = 0; i < N; i++) {
            withoutStudent += s.select(draw("a" + i), Double.NaN, i) ? 1 : 0;
        }
        assertThat(withoutStudent / (double) N).isCloseTo(0.2, within(0.01));
        int taken = 0;
        double maxTaken = 0;
        int confidentTaken = 0;
        for (int i = 0; i < N; i++) {
            double margin = r.nextDouble();
            if (s.select(draw("b" + i), margin, i)) {
                taken++;
                if (i >= TeacherSelector.MARGIN_WINDOW) {
                    maxTaken = Math.max(maxTaken, margin);
                }
                confidentTaken += margin > 0.5 ? 1 : 0;
            }
        }
        assertThat(taken / (double) N).isCloseTo(0.2, within(0.015));
        // Once the window is full, only margins near the 20 % quantile or below are taken.
        assertThat(maxTaken).isLessThan(0.27);
        assertThat(confidentTaken).isLessThan(10);
    }

    @Test
    void mixKeepsARandomShareOfConfidentSamplesWithinTheSameBudget() {
        TeacherSelector s =
                new TeacherSelector(TeacherBudget.parse("0.2"), SelectionPolicy.MIX, 0.3, 1);
        Random r = new Random(2);
        int taken = 0;
        int confidentTaken = 0;
        int confident = 0;
        for (int i = 0; i < N; i++) {
            double margin = r.nextDouble();
            confident += margin > 0.5 ? 1 : 0;
            if (s.select(draw("c" + i), margin, i)) {
                taken++;
                confidentTaken += margin > 0.5 ? 1 : 0;
            }
        }
        assertThat(taken / (double) N).isCloseTo(0.2, within(0.015));
        // The random part (30 % of a 20 % budget) takes 6 % of the confident samples too.
        assertThat(confidentTaken / (double) confident).isCloseTo(0.06, within(0.01));
    }

    @Test
    void aRateBudgetHoldsItsRateWhateverTheArrivalRate() {
        for (SelectionPolicy policy : SelectionPolicy.values()) {
            TeacherSelector s = new TeacherSelector(TeacherBudget.parse("40/s"), policy, 0.3, 2);
            Random r = new Random(3);
            int taken = 0;
            // 60 s of 500 arrivals/s to one of two subtasks sharing 40/s: 20/s each.
            for (int i = 0; i < 30_000; i++) {
                taken += s.select(draw("d" + i), r.nextDouble(), i * 2L) ? 1 : 0;
            }
            // Never above the rate (plus the one-second burst of the token bucket); below it
            // only by the sampling noise of the share drawn at the measured arrival rate.
            assertThat(taken).as(policy.name()).isBetween(20 * 60 * 9 / 10, 20 * 60 + 20);
        }
    }

    @Test
    void unlimitedTakesEverything() {
        TeacherSelector s =
                new TeacherSelector(TeacherBudget.unlimited(), SelectionPolicy.UNCERTAINTY, 0, 1);
        for (int i = 0; i < 100; i++) {
            assertThat(s.select(draw("e" + i), 0.99, i)).isTrue();
        }
    }

    private static double draw(String id) {
        return TeacherSelector.draw(io.flinkdistill.sample.SampleIds.hash("teacher-budget:" + id));
    }
}
