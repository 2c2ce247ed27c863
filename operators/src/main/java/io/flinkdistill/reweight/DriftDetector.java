package io.flinkdistill.reweight;

/**
 * Drift: windowed agreement with the teacher (mean of the last three records) falls more than
 * {@code margin} below its best since the start or the previous drift. At least {@code minRecords}
 * records must have been seen since then, so that one noisy window does not count. State is a small
 * array, kept in Flink state by the caller.
 */
public final class DriftDetector implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static final int SMOOTHING = 3;

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
     * @return the best windowed agreement that was lost, or NaN when there is no drift
     */
    public double observe(double[] state, double agreement) {
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
        if (margin > 0 && state[1] >= minRecords && windowed < best - margin) {
            double[] fresh = initialState();
            System.arraycopy(fresh, 0, state, 0, state.length);
            return best;
        }
        return Double.NaN;
    }

    public double margin() {
        return margin;
    }
}
