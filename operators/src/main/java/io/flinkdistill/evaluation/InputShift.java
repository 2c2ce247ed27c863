package io.flinkdistill.evaluation;

/**
 * Label-free input drift: how far the inputs of the latest block of training samples lie from a
 * reference block, in the teacher's pooled-embedding space, which the pipeline computes for every
 * sample anyway. The reference is the first complete block after the start (or after {@link
 * #reset()}); every later block is compared with it by the mean over dimensions of the squared
 * two-sample z statistic of the means,
 *
 * <pre>score = mean_d (m_C[d] - m_R[d])^2 / ((v_R[d] + v_C[d]) / B)</pre>
 *
 * which is about 1 when both blocks come from the same distribution (independent samples) and grows
 * with the shift of the mean embedding: a new domain moves it far (hundreds), reshuffled data of
 * the same domain does not. The state is a flat array the caller keeps in Flink state.
 */
public final class InputShift {
    private final int block;
    private final int dim;

    /** reference sum, reference sum of squares, block sum, block sum of squares; dim each. */
    private final double[] sums;

    private int referenceCount;
    private int blockCount;
    private double score = Double.NaN;
    private long blocksCompared;

    /**
     * @param block samples per block (the reference and each compared block)
     * @param dim size of the embeddings
     */
    public InputShift(int block, int dim) {
        if (block < 10 || dim < 1) {
            throw new IllegalArgumentException(
                    "input-shift block must be >= 10 samples and dim >= 1, got "
                            + block
                            + " and "
                            + dim);
        }
        this.block = block;
        this.dim = dim;
        this.sums = new double[4 * dim];
    }

    /** Adds one training sample's teacher embedding (ignored if its size is not {@code dim}). */
    public void add(float[] embedding) {
        if (embedding == null || embedding.length != dim) {
            return;
        }
        boolean reference = referenceCount < block;
        int offset = reference ? 0 : 2 * dim;
        for (int d = 0; d < dim; d++) {
            double x = embedding[d];
            sums[offset + d] += x;
            sums[offset + dim + d] += x * x;
        }
        if (reference) {
            referenceCount++;
            return;
        }
        if (++blockCount == block) {
            score = compare();
            blocksCompared++;
            java.util.Arrays.fill(sums, 2 * dim, 4 * dim, 0);
            blockCount = 0;
        }
    }

    private double compare() {
        double total = 0;
        for (int d = 0; d < dim; d++) {
            double mr = sums[d] / block;
            double vr = Math.max(0, sums[dim + d] / block - mr * mr);
            double mc = sums[2 * dim + d] / block;
            double vc = Math.max(0, sums[3 * dim + d] / block - mc * mc);
            double se2 = (vr + vc) / block;
            double diff = mc - mr;
            total += se2 > 0 ? diff * diff / se2 : 0;
        }
        return total / dim;
    }

    /**
     * The latest block's score against the reference, or NaN until a block after the reference is
     * complete.
     */
    public double score() {
        return score;
    }

    /** Blocks compared with the current reference. */
    public long blocksCompared() {
        return blocksCompared;
    }

    /** Drift was declared: the next complete block becomes the reference. */
    public void reset() {
        java.util.Arrays.fill(sums, 0);
        referenceCount = 0;
        blockCount = 0;
        score = Double.NaN;
        blocksCompared = 0;
    }

    /** The state as a flat array (for Flink state). */
    public double[] toState() {
        double[] s = new double[sums.length + 4];
        System.arraycopy(sums, 0, s, 0, sums.length);
        s[sums.length] = referenceCount;
        s[sums.length + 1] = blockCount;
        s[sums.length + 2] = score;
        s[sums.length + 3] = blocksCompared;
        return s;
    }

    /** Restores {@link #toState()}'s array; ignored if it was written for another size. */
    public void restore(double[] s) {
        if (s == null || s.length != sums.length + 4) {
            return;
        }
        System.arraycopy(s, 0, sums, 0, sums.length);
        referenceCount = (int) s[sums.length];
        blockCount = (int) s[sums.length + 1];
        score = s[sums.length + 2];
        blocksCompared = (long) s[sums.length + 3];
    }
}
