package io.flinkdistill.selection;

import java.io.Serializable;
import java.util.Locale;

/**
 * How many teacher calls a job may spend on unlabelled training samples: a share of them ({@code
 * 0.25} or {@code 25%}) or a rate over the whole job ({@code 40/s}). Labelled and eval-slice
 * samples are always scored and are not part of it.
 *
 * @param fraction share of unlabelled training samples the teacher scores, in (0, 1]; 1 with a rate
 * @param perSecond teacher calls per second of wall time for the whole job, 0 with a share
 */
public record TeacherBudget(double fraction, double perSecond) implements Serializable {

    public TeacherBudget {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("a share must be in (0, 1], got " + fraction);
        }
        if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("a rate must be >= 0 per second, got " + perSecond);
        }
    }

    /** No budget: the teacher scores every sample. */
    public static TeacherBudget unlimited() {
        return new TeacherBudget(1, 0);
    }

    /** A budget as written on the command line: {@code 0.25}, {@code 25%} or {@code 40/s}. */
    public static TeacherBudget parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("/s")) {
                double rate = Double.parseDouble(t.substring(0, t.length() - 2).trim());
                if (!(rate > 0)) {
                    throw new IllegalArgumentException(
                            "a rate must be > 0 samples/s, got '" + text + "'");
                }
                return new TeacherBudget(1, rate);
            }
            double share =
                    t.endsWith("%")
                            ? Double.parseDouble(t.substring(0, t.length() - 1).trim()) / 100
                            : Double.parseDouble(t);
            if (!(share > 0 && share <= 1)) {
                throw new IllegalArgumentException(
                        "a share must be in (0, 1] (or 0-100%), got '" + text + "'");
            }
            return new TeacherBudget(share, 0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "expected a share (0.25 or 25%) or a rate (40/s), got '" + text + "'");
        }
    }

    public boolean isUnlimited() {
        return fraction >= 1 && perSecond == 0;
    }

    public boolean isRate() {
        return perSecond > 0;
    }

    @Override
    public String toString() {
        if (isRate()) {
            return String.format(Locale.ROOT, "%s/s", trim(perSecond));
        }
        return isUnlimited()
                ? "unlimited"
                : String.format(Locale.ROOT, "%s%%", trim(fraction * 100));
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
