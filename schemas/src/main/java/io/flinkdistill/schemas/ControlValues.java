package io.flinkdistill.schemas;

import java.util.Map;

/**
 * The value names of {@link ControlCommand}s other than loss weights (those are named by the
 * trainer's loss components), and typed reads of them: the one place their spelling lives.
 */
public final class ControlValues {
    /** SET_TEMPERATURE's only value; 0 gives the temperature back to the schedule. */
    public static final String TEMPERATURE = "temperature";

    /** SET_TEACHER_WEIGHTS with {@code learn=1} alone releases pinned teacher weights. */
    public static final String LEARN = "learn";

    private ControlValues() {}

    /** The temperature a SET_TEMPERATURE sets, or NaN when it gives it back to the schedule. */
    public static double temperature(ControlCommand c) {
        double t = c.getValues().getOrDefault(TEMPERATURE, 0.0);
        return t > 0 ? t : Double.NaN;
    }

    /** Whether SET_TEACHER_WEIGHTS values release the weights rather than pin them. */
    public static boolean releasesTeacherWeights(Map<String, Double> values) {
        return values.size() == 1 && values.getOrDefault(LEARN, 0.0) == 1.0;
    }
}
