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

    /** Class probabilities of these scores (numerically stable softmax). */
    public static float[] softmax(float[] scores) {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        double sum = 0;
        double[] e = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            e[i] = Math.exp(scores[i] - max);
            sum += e[i];
        }
        float[] p = new float[scores.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }
}
