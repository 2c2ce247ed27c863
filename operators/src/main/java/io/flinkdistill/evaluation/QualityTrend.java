package io.flinkdistill.evaluation;

import java.util.ArrayDeque;

/**
 * The accuracy-decay rate: minus the least-squares slope of a quality figure over the last few
 * evaluations, per 10,000 samples trained. Positive means the student is getting worse.
 */
public final class QualityTrend {
    private final int size;
    private final ArrayDeque<double[]> points = new ArrayDeque<>();

    public QualityTrend(int size) {
        this.size = size;
    }

    /** Adds a point and returns the decay over the points kept (0 with fewer than 3). */
    public double add(long samplesTrained, double quality) {
        points.addLast(new double[] {samplesTrained, quality});
        while (points.size() > size) {
            points.removeFirst();
        }
        if (points.size() < 3) {
            return 0;
        }
        double mx = 0;
        double my = 0;
        for (double[] p : points) {
            mx += p[0];
            my += p[1];
        }
        mx /= points.size();
        my /= points.size();
        double sxy = 0;
        double sxx = 0;
        for (double[] p : points) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
        }
        return sxx == 0 ? 0 : -sxy / sxx * 10_000;
    }
}
