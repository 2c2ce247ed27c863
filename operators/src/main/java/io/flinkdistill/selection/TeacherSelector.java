package io.flinkdistill.selection;

/**
 * Decides, sample by sample, which unlabelled training samples the teacher scores within a {@link
 * TeacherBudget}, by a {@link SelectionPolicy}. Pure and single-threaded: one per subtask of the
 * selecting operator, which supplies the sample's uniform draw (from its id, so a replay draws the
 * same), the student's margin and the time.
 */
public final class TeacherSelector {
    /** Margins remembered for the uncertainty threshold. */
    static final int MARGIN_WINDOW = 1000;

    private final TeacherBudget budget;
    private final SelectionPolicy policy;
    private final double randomShare;
    private final double perSecond;
    private final MarginWindow margins = new MarginWindow(MARGIN_WINDOW);

    private double tokens;
    private long refilledAt = -1;
    private long bucketStart = -1;
    private long bucketArrivals;
    private double arrivalsPerSecond;

    /**
     * @param randomShare with {@link SelectionPolicy#MIX}: the share of the budget drawn at random
     * @param subtasks parallel selectors sharing a rate budget equally
     */
    public TeacherSelector(
            TeacherBudget budget, SelectionPolicy policy, double randomShare, int subtasks) {
        if (!(randomShare >= 0 && randomShare <= 1)) {
            throw new IllegalArgumentException(
                    "random share must be in [0, 1], got " + randomShare);
        }
        if (subtasks < 1) {
            throw new IllegalArgumentException("subtasks must be >= 1, got " + subtasks);
        }
        this.budget = budget;
        this.policy = policy;
        this.randomShare = randomShare;
        this.perSecond = budget.perSecond() / subtasks;
        this.tokens = Math.max(1, perSecond);
    }

    /**
     * @param draw uniform in [0, 1), fixed per sample id
     * @param margin the student's top-1 minus top-2 probability, NaN when there is no student yet
     * @param nowMillis wall-clock time, for a rate budget
     * @return whether the teacher scores this sample
     */
    public boolean select(double draw, double margin, long nowMillis) {
        if (budget.isUnlimited()) {
            return true;
        }
        double share = budget.isRate() ? rateShare(nowMillis) : budget.fraction();
        boolean candidate = candidate(share, draw, margin);
        if (!budget.isRate() || !candidate) {
            return candidate;
        }
        refill(nowMillis);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private boolean candidate(double share, double draw, double margin) {
        if (!Double.isNaN(margin)) {
            margins.add(margin);
        }
        switch (policy) {
            case RANDOM:
                return draw < share;
            case UNCERTAINTY:
                return Double.isNaN(margin) ? draw < share : margin <= margins.quantile(share);
            case MIX:
                double random = share * randomShare;
                if (draw < random) {
                    return true;
                }
                if (Double.isNaN(margin)) {
                    return draw < share;
                }
                // The rest of the share, among the samples the random part did not take.
                double rest = random >= 1 ? 0 : (share - random) / (1 - random);
                return margin <= margins.quantile(rest);
            default:
                throw new IllegalStateException("unknown policy " + policy);
        }
    }

    /**
     * The share of the stream a rate budget allows at the current arrival rate (measured over
     * one-second buckets, smoothed); 1 until the first bucket is complete, the token bucket keeping
     * the rate meanwhile.
     */
    private double rateShare(long now) {
        if (bucketStart < 0) {
            bucketStart = now;
        }
        bucketArrivals++;
        long elapsed = now - bucketStart;
        if (elapsed >= 1000) {
            double rate = bucketArrivals * 1000.0 / elapsed;
            arrivalsPerSecond =
                    arrivalsPerSecond == 0 ? rate : 0.7 * arrivalsPerSecond + 0.3 * rate;
            bucketStart = now;
            bucketArrivals = 0;
        }
        return arrivalsPerSecond <= 0 ? 1 : Math.min(1, perSecond / arrivalsPerSecond);
    }

    private void refill(long now) {
        if (refilledAt >= 0 && now > refilledAt) {
            tokens =
                    Math.min(
                            Math.max(1, perSecond), tokens + (now - refilledAt) * perSecond / 1000);
        }
        refilledAt = Math.max(refilledAt, now);
    }

    /** A uniform draw in [0, 1) from a 64-bit hash. */
    public static double draw(long hash) {
        return (hash >>> 11) * 0x1.0p-53;
    }
}
