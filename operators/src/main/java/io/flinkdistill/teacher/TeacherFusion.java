package io.flinkdistill.teacher;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Weighted voting of several teachers on their class distributions (design source, "multi-teacher
 * knowledge fusion"): the fused distribution is {@code sum_i w_i softmax(z_i)}, handed on as its
 * logarithm so that the student's temperature still applies.
 *
 * <p>Weights are fixed, pinned by a control command, or learned online: each teacher's accuracy on
 * the gold labels seen so far (exponentially forgotten, Beta(1,1) prior) gives it the weight {@code
 * log(acc / (1 - acc))}, the optimal weight of a voter in weighted majority voting when the voters
 * err independently (Nitzan and Paroush, 1982), floored so that no teacher drops out.
 */
public final class TeacherFusion implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Labelled samples needed before learned weights replace the initial ones. */
    static final int MIN_LABELS = 50;

    private static final double FLOOR = 0.02;

    private final double[] initial;
    private final boolean learn;
    private final double decay;
    private final double[] correct;
    private double labels;
    private double[] pinned;

    /**
     * @param initialWeights starting (and, without learning, fixed) weights, one per teacher
     * @param learn learn weights from gold labels
     * @param halfLifeLabels a label's influence halves after this many further labels
     */
    public TeacherFusion(double[] initialWeights, boolean learn, int halfLifeLabels) {
        this.initial = normalise(initialWeights);
        this.learn = learn;
        this.decay = Math.pow(0.5, 1.0 / Math.max(1, halfLifeLabels));
        this.correct = new double[initialWeights.length];
    }

    public int teachers() {
        return initial.length;
    }

    /** The weights in use now, summing to 1. */
    public double[] weights() {
        if (pinned != null) {
            return pinned.clone();
        }
        if (!learn || labels < MIN_LABELS) {
            return initial.clone();
        }
        double[] w = new double[correct.length];
        for (int i = 0; i < w.length; i++) {
            double acc = accuracy(i);
            w[i] = Math.max(FLOOR, Math.log(acc / (1 - acc)));
        }
        return normalise(w);
    }

    /** Estimated accuracy of teacher {@code i} on the labels seen (NaN before any). */
    public double accuracy(int i) {
        return labels == 0 ? Double.NaN : (correct[i] + 1) / (labels + 2);
    }

    /** Learns from one gold label: which teachers predicted it. */
    public void observe(int[] votes, int label) {
        for (int i = 0; i < correct.length; i++) {
            correct[i] = correct[i] * decay + (votes[i] == label ? 1 : 0);
        }
        labels = labels * decay + 1;
    }

    /** Pins the weights (a control command); null releases them to the fixed or learned ones. */
    public void pin(double[] weights) {
        this.pinned = weights == null ? null : normalise(weights);
    }

    public boolean pinned() {
        return pinned != null;
    }

    /** The fused log-distribution of the teachers' logits. */
    public float[] fuse(float[][] logits) {
        if (logits.length == 1) {
            return logits[0];
        }
        double[] w = weights();
        int classes = logits[0].length;
        double[] mixture = new double[classes];
        for (int i = 0; i < logits.length; i++) {
            double[] p = softmax(logits[i]);
            for (int c = 0; c < classes; c++) {
                mixture[c] += w[i] * p[c];
            }
        }
        float[] out = new float[classes];
        for (int c = 0; c < classes; c++) {
            out[c] = (float) Math.log(Math.max(mixture[c], 1e-30));
        }
        return out;
    }

    static double[] softmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int c = 0; c < z.length; c++) {
            p[c] = Math.exp(z[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < z.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    static double[] normalise(double[] w) {
        double sum = 0;
        for (double v : w) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(
                        "teacher weights must be finite and >= 0, got " + Arrays.toString(w));
            }
            sum += v;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException(
                    "teacher weights must not all be 0, got " + Arrays.toString(w));
        }
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = w[i] / sum;
        }
        return out;
    }

    /** State for a checkpoint: labels, then correct counts, then pinned weights (or none). */
    public double[] toArray() {
        int n = correct.length;
        double[] out = new double[1 + n + (pinned == null ? 0 : n)];
        out[0] = labels;
        System.arraycopy(correct, 0, out, 1, n);
        if (pinned != null) {
            System.arraycopy(pinned, 0, out, 1 + n, n);
        }
        return out;
    }

    /** Restores a checkpointed state; states of several subtasks are averaged by the caller. */
    public void restore(double[] state) {
        int n = correct.length;
        if (state.length != 1 + n && state.length != 1 + 2 * n) {
            return; // a different set of teachers: start afresh
        }
        labels = state[0];
        System.arraycopy(state, 1, correct, 0, n);
        pinned = state.length == 1 + 2 * n ? Arrays.copyOfRange(state, 1 + n, 1 + 2 * n) : null;
    }
}
