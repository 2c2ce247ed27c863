package io.flinkdistill.reweight;

/**
 * The guard rails every policy's decision goes through: the target is scaled to the sum of the
 * active weights, each weight moves by at most {@link #MAX_STEP}, none falls below {@link #FLOOR},
 * and the active weights keep their sum. Inactive components keep their weight.
 */
public final class WeightSteps {
    /** Largest change of one weight per decision. */
    public static final double MAX_STEP = 0.05;

    /** Smallest weight of an active component. */
    public static final double FLOOR = 0.05;

    /** Changes below this are not worth a command. */
    public static final double MIN_CHANGE = 0.005;

    private WeightSteps() {}

    private static double clampedSum(
            LossPoint now, double[] goal, double[] lo, double[] hi, double shift) {
        double total = 0;
        for (int k = 0; k < 3; k++) {
            if (now.active(k)) {
                total += Math.max(lo[k], Math.min(hi[k], goal[k] + shift));
            }
        }
        return total;
    }

    /**
     * @param target unnormalised target of each active component (ignored for inactive ones)
     * @return the new weights, or null when no weight would move by {@link #MIN_CHANGE}
     */
    static double[] towards(LossPoint now, double[] target) {
        double[] w = now.weights().clone();
        double sum = 0;
        double targetSum = 0;
        int active = 0;
        for (int k = 0; k < 3; k++) {
            if (now.active(k)) {
                sum += w[k];
                targetSum += target[k];
                active++;
            }
        }
        if (active < 2 || !(targetSum > 0) || !Double.isFinite(targetSum)) {
            return null;
        }
        // The closest weights to the target within the bounds that keep the sum: clamp(goal +
        // shift)
        // with the common shift found by bisection (the clamped sum grows with the shift).
        double[] goal = new double[3];
        double[] lo = new double[3];
        double[] hi = new double[3];
        for (int k = 0; k < 3; k++) {
            if (now.active(k)) {
                goal[k] = target[k] / targetSum * sum;
                hi[k] = w[k] + MAX_STEP;
                lo[k] = Math.min(Math.max(FLOOR, w[k] - MAX_STEP), hi[k]);
            }
        }
        double low = -1;
        double high = 1;
        for (int i = 0; i < 100; i++) {
            double mid = (low + high) / 2;
            if (clampedSum(now, goal, lo, hi, mid) < sum) {
                low = mid;
            } else {
                high = mid;
            }
        }
        double shift = (low + high) / 2;
        double[] next = w.clone();
        double largest = 0;
        for (int k = 0; k < 3; k++) {
            if (now.active(k)) {
                next[k] = Math.max(lo[k], Math.min(hi[k], goal[k] + shift));
                largest = Math.max(largest, Math.abs(next[k] - w[k]));
            }
        }
        return largest < MIN_CHANGE ? null : next;
    }
}
