package io.flinkdistill.evaluation;

import io.flinkdistill.loss.Logits;
import java.util.ArrayList;
import java.util.List;

/**
 * What a cascade would do at each confidence threshold: the student answers a query when its margin
 * (top probability minus the second) is at least the threshold, the teacher answers the rest. For
 * each threshold of a fixed grid: the share deferred to the teacher, the cascade's agreement with
 * the teacher, and its accuracy where gold labels exist.
 *
 * <p>Margin rather than the top probability: for two classes they order queries the same way; with
 * more, a query split between two classes is unsure even when its top probability is high.
 */
public final class DeferralCurve {
    /** Thresholds 0, 0.02, ..., 1.0, then one above every margin (the teacher answers all). */
    public static final double[] THRESHOLDS = grid();

    private DeferralCurve() {}

    /**
     * One point of the curve.
     *
     * @param accuracy the cascade's accuracy on the labelled queries, NaN when none was labelled
     * @param queries how many queries it was measured on, 0 when not known (curves published before
     *     the count was)
     */
    public record Point(
            double threshold, double deferred, double agreement, double accuracy, int queries) {

        /**
         * The agreement this point lets one expect on other queries at {@code confidence}: the
         * one-sided Wilson lower bound of {@link #agreement} over {@link #queries}; the measured
         * value itself at confidence 0.5 or when the count is unknown.
         */
        public double agreementAtLeast(double confidence) {
            return queries <= 0 || confidence <= 0.5
                    ? agreement
                    : wilsonLowerBound(agreement, queries, normalQuantile(confidence));
        }
    }

    /** How a threshold is picked from a curve. */
    public sealed interface Target {
        /**
         * The least deferral whose agreement with the teacher reaches {@code agreement} with {@code
         * confidence}: the curve is measured on a sample of queries, and the least deferral that
         * reaches a target on the sample is, by choosing it, the one most likely to fall short of
         * it elsewhere. So a point counts as reaching the target only when the lower bound of its
         * agreement at that confidence does ({@link Point#agreementAtLeast}); 0.5 takes the
         * measured values as they are.
         */
        record Agreement(double agreement, double confidence) implements Target {
            /** The confidence a target is held to unless asked otherwise. */
            public static final double DEFAULT_CONFIDENCE = 0.95;

            public Agreement {
                if (!(agreement > 0 && agreement <= 1)) {
                    throw new IllegalArgumentException(
                            "a target agreement must be in (0, 1], not " + agreement);
                }
                if (!(confidence >= 0.5 && confidence < 1)) {
                    throw new IllegalArgumentException(
                            "a confidence must be in [0.5, 1), not " + confidence);
                }
            }

            public Agreement(double agreement) {
                this(agreement, DEFAULT_CONFIDENCE);
            }
        }

        /** The highest agreement that defers at most {@code share} of the queries. */
        record MaxDeferral(double share) implements Target {}
    }

    /** Top probability minus the second; 1 for a one-class output. */
    public static double margin(float[] probabilities) {
        double first = Double.NEGATIVE_INFINITY;
        double second = 0;
        for (float p : probabilities) {
            if (p > first) {
                second = Math.max(second, first);
                first = p;
            } else if (p > second) {
                second = p;
            }
        }
        return probabilities.length < 2 ? 1 : first - second;
    }

    /** Whether a query with this margin goes to the teacher at this threshold. */
    public static boolean defers(double margin, double threshold) {
        return margin < threshold;
    }

    /**
     * @param student the student's class probabilities per query
     * @param teacher the teacher's class per query
     * @param labels the gold class per query, -1 when unlabelled
     */
    public static List<Point> measure(float[][] student, int[] teacher, int[] labels) {
        int n = student.length;
        double[] margins = new double[n];
        int[] answers = new int[n];
        for (int i = 0; i < n; i++) {
            margins[i] = margin(student[i]);
            answers[i] = Logits.argmax(student[i]);
        }
        List<Point> curve = new ArrayList<>(THRESHOLDS.length);
        for (double t : THRESHOLDS) {
            int deferred = 0;
            int agree = 0;
            int labelled = 0;
            int correct = 0;
            for (int i = 0; i < n; i++) {
                boolean toTeacher = defers(margins[i], t);
                int answer = toTeacher ? teacher[i] : answers[i];
                deferred += toTeacher ? 1 : 0;
                agree += answer == teacher[i] ? 1 : 0;
                if (labels[i] >= 0) {
                    labelled++;
                    correct += answer == labels[i] ? 1 : 0;
                }
            }
            curve.add(
                    new Point(
                            t,
                            n == 0 ? 0 : deferred / (double) n,
                            n == 0 ? 1 : agree / (double) n,
                            labelled == 0 ? Double.NaN : correct / (double) labelled,
                            n));
        }
        return curve;
    }

    /**
     * The point of {@code curve} that meets {@code target}: for an agreement target the one with
     * the least deferral whose agreement reaches it at the target's confidence (the last point,
     * where the teacher answers all, if none does); for a deferral budget the one with the highest
     * agreement within it (the first point, the student alone, if none is).
     */
    public static Point pick(List<Point> curve, Target target) {
        if (curve.isEmpty()) {
            throw new IllegalArgumentException("an empty curve");
        }
        Point best = null;
        if (target instanceof Target.Agreement a) {
            for (Point p : curve) {
                if (p.agreementAtLeast(a.confidence()) >= a.agreement()
                        && (best == null || p.deferred() < best.deferred())) {
                    best = p;
                }
            }
            return best != null ? best : curve.get(curve.size() - 1);
        }
        double share = ((Target.MaxDeferral) target).share();
        for (Point p : curve) {
            if (p.deferred() <= share
                    && (best == null
                            || p.agreement() > best.agreement()
                            || (p.agreement() == best.agreement()
                                    && p.deferred() < best.deferred()))) {
                best = p;
            }
        }
        return best != null ? best : curve.get(0);
    }

    /**
     * The lower end of the one-sided Wilson score interval of a share {@code p} observed on {@code
     * n} trials, at the standard normal quantile {@code z}.
     */
    public static double wilsonLowerBound(double p, int n, double z) {
        double z2n = z * z / n;
        double centre = p + z2n / 2;
        double spread = z * Math.sqrt(p * (1 - p) / n + z2n / (4.0 * n));
        return Math.max(0, (centre - spread) / (1 + z2n));
    }

    /**
     * The standard normal quantile of {@code p} in (0, 1), by Acklam's rational approximation
     * (relative error below 1.2e-9).
     */
    public static double normalQuantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("a probability in (0, 1), not " + p);
        }
        double[] a = {
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
        };
        double[] b = {
            -5.447609879822406e+01,
            1.615858368580409e+02,
            -1.556989798598866e+02,
            6.680131188771972e+01,
            -1.328068155288572e+01
        };
        double[] c = {
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
        };
        double[] d = {
            7.784695709041462e-03,
            3.224671290700398e-01,
            2.445134137142996e+00,
            3.754408661907416e+00
        };
        double low = 0.02425;
        if (p < low || p > 1 - low) {
            double q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
            double x =
                    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
            return p < low ? x : -x;
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
                * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }

    private static double[] grid() {
        double[] t = new double[52];
        for (int i = 0; i <= 50; i++) {
            t[i] = i / 50.0;
        }
        t[51] = 1.01;
        return t;
    }
}
