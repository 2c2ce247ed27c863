package io.flinkdistill.loss;

/** Small helpers on class-score vectors. */
public final class Logits {
    private Logits() {}

    /** Index of the largest value (the first one on ties). */
    public static int argmax(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }
}
