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
     */
    public record Point(double threshold, double deferred, double agreement, double accuracy) {}

    /** How a threshold is picked from a curve. */
    public sealed interface Target {
        /** The least deferral whose agreement with the teacher reaches {@code agreement}. */
        record Agreement(double agreement) implements Target {}

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
                            labelled == 0 ? Double.NaN : correct / (double) labelled));
        }
        return curve;
    }

    /**
     * The point of {@code curve} that meets {@code target}: for an agreement target the one with
     * the least deferral that reaches it (the last point, where the teacher answers all, if none
     * does); for a deferral budget the one with the highest agreement within it (the first point,
     * the student alone, if none is).
     */
    public static Point pick(List<Point> curve, Target target) {
        if (curve.isEmpty()) {
            throw new IllegalArgumentException("an empty curve");
        }
        Point best = null;
        if (target instanceof Target.Agreement a) {
            for (Point p : curve) {
                if (p.agreement() >= a.agreement()
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

    private static double[] grid() {
        double[] t = new double[52];
        for (int i = 0; i <= 50; i++) {
            t[i] = i / 50.0;
        }
        t[51] = 1.01;
        return t;
    }
}
