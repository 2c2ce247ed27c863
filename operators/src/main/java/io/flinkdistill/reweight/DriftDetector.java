package io.flinkdistill.reweight;

/**
 * Drift: windowed agreement with the teacher (mean of the last three records) falls more than
 * {@code margin} below its best since the start or the previous drift, and further than the eval
 * window's sampling noise explains ({@value #NOISE_Z} standard errors of the difference of two
 * binomial proportions measured on that many samples: the best is the maximum of a noisy series, so
 * a stationary stream falls a few points below it now and then). At least {@code minRecords}
 * records must have been seen since then, so that one noisy window does not count. State is a small
 * array, kept in Flink state by the caller.
 */
public final class DriftDetector implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static final int SMOOTHING = 3;

    /** Standard errors a fall must exceed to be more than the eval window's sampling noise. */
    static final double NOISE_Z = 3;

    private final double margin;
    private final int minRecords;

    /**
     * @param margin how far below its best the windowed agreement may fall; 0 turns drift off
     */
    public DriftDetector(double margin, int minRecords) {
        if (!(margin >= 0) || margin >= 1) {
            throw new IllegalArgumentException(
                    "Invalid option --drift-margin: must be in [0, 1) (0 turns drift off), got "
                            + margin);
        }
        this.margin = margin;
        this.minRecords = minRecords;
    }

    /** Fresh state: best unknown, no record, no recent agreements. */
    public static double[] initialState() {
        return new double[] {Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN};
    }

    /**
     * Observes one record's agreement, updating {@code state} in place.
     *
     * @param window the number of eval samples the agreement was measured on
     * @return the best windowed agreement that was lost, or NaN when there is no drift
     */
    public double observe(double[] state, double agreement, int window) {
        state[1]++;
        state[2] = state[3];
        state[3] = state[4];
        state[4] = agreement;
        if (Double.isNaN(state[2])) {
            return Double.NaN;
        }
        double windowed = (state[2] + state[3] + state[4]) / SMOOTHING;
        double best = state[0];
        if (Double.isNaN(best) || windowed > best) {
            state[0] = windowed;
            return Double.NaN;
        }
        double fall = best - windowed;
        if (margin > 0
                && state[1] >= minRecords
                && fall > margin
                && fall > noise(best, windowed, window)) {
            double[] fresh = initialState();
            System.arraycopy(fresh, 0, state, 0, state.length);
            return best;
        }
        return Double.NaN;
    }

    /**
     * The fall two agreements measured on {@code window} samples each show by chance alone: {@value
     * #NOISE_Z} standard errors of their difference. The three-record mean does not count as three
     * times the samples: consecutive eval windows overlap.
     */
    double noise(double best, double now, int window) {
        return NOISE_Z * Math.sqrt((best * (1 - best) + now * (1 - now)) / window);
    }

    public double margin() {
        return margin;
    }
}
