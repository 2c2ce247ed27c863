package io.flinkdistill.selection;

/** Which unlabelled training samples get the teacher when a budget is set. */
public enum SelectionPolicy {
    /** A uniform share, by a hash of the sample id: the same choice on every replay. */
    RANDOM,
    /**
     * The samples the newest published student is least sure of (smallest margin between its two
     * most probable classes); random until a student is published.
     */
    UNCERTAINTY,
    /**
     * A random share of the budget (so the student also sees what it believes it knows, and a
     * confidently wrong student is still corrected), the rest by uncertainty.
     */
    MIX;

    /** Whether the policy needs the published student's predictions. */
    public boolean needsStudent() {
        return this != RANDOM;
    }
}
