package io.flinkdistill.publish;

/**
 * The last version of a student that was published, and the eval agreement it was published with
 * (what the next version must beat by the margin).
 *
 * @param version 0 before the first publication
 * @param agreement -1 before the first publication
 */
public record PublishedVersion(long version, double agreement) {
    /** Nothing published yet. */
    public static final PublishedVersion NONE = new PublishedVersion(0, -1);

    /** The form kept in keyed state: {@code [version, agreement]} (the state's format since v1). */
    public double[] toState() {
        return new double[] {version, agreement};
    }

    /** Reads {@link #toState()}; null (no state) is {@link #NONE}. */
    public static PublishedVersion fromState(double[] state) {
        return state == null ? NONE : new PublishedVersion((long) state[0], state[1]);
    }
}
