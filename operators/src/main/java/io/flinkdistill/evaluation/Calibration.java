package io.flinkdistill.evaluation;

/**
 * Expected calibration error: predictions binned by confidence into equal-width bins, then the
 * sample-weighted mean of |accuracy - mean confidence| over the bins.
 */
public final class Calibration {
    private final double[] confidence;
    private final int[] correct;
    private final int[] count;
    private int total;

    public Calibration(int bins) {
        confidence = new double[bins];
        correct = new int[bins];
        count = new int[bins];
    }

    /**
     * One prediction: its confidence (probability of the predicted class) and whether it was right.
     */
    public void add(double p, boolean right) {
        int bin = Math.min(count.length - 1, Math.max(0, (int) (p * count.length)));
        confidence[bin] += p;
        correct[bin] += right ? 1 : 0;
        count[bin]++;
        total++;
    }

    /** The error in [0, 1], NaN without predictions. */
    public double error() {
        if (total == 0) {
            return Double.NaN;
        }
        double ece = 0;
        for (int b = 0; b < count.length; b++) {
            if (count[b] > 0) {
                ece += Math.abs(correct[b] - confidence[b]) / total;
            }
        }
        return ece;
    }
}
