package io.flinkdistill.reweight;

/**
 * Label-free drift: the trainer's input-shift statistic (see {@code InputShift}) reaches the
 * threshold. After firing it waits until the trainer has taken a new reference (a record without
 * the statistic), so one shift is one alarm. State: one flag, kept in Flink state by the caller.
 */
public final class InputDriftDetector implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final double threshold;

    /**
     * @param threshold the input-shift score that counts as drift; 0 turns this detector off
     */
    public InputDriftDetector(double threshold) {
        if (!(threshold == 0 || threshold > 1) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException(
                    "Invalid option --input-drift-threshold: must be 0 (off) or > 1 (the score"
                            + " without drift is about 1), got "
                            + threshold);
        }
        this.threshold = threshold;
    }

    public double threshold() {
        return threshold;
    }

    /**
     * Observes one record's input shift (null when the trainer has no score yet).
     *
     * @param armed whether the detector may fire (true at the start and after a new reference)
     * @return whether it fires on this record; the caller disarms it then
     */
    public boolean fires(boolean armed, Double inputShift) {
        return threshold > 0 && armed && inputShift != null && inputShift >= threshold;
    }

    /** Whether a record shows a fresh reference, which re-arms the detector. */
    public static boolean rearms(Double inputShift) {
        return inputShift == null;
    }
}
