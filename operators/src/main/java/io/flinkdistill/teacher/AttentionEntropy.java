package io.flinkdistill.teacher;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Running attention entropy per mapped teacher layer and head (design source, "knowledge
 * extraction"). Each row of a head's attention map over the n real tokens is a distribution; its
 * entropy divided by log n (so rows of every length weigh alike, in [0, 1]) is averaged over the
 * rows of a sample and over the samples seen.
 */
public final class AttentionEntropy implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Which end of the ranking carries the knowledge the student learns from. */
    public enum Rank {
        /** Broad, high-entropy heads (what the source's code takes: {@code topk(entropy)}). */
        HIGH,
        /** Focused, low-entropy heads ("high information density" in the source's text). */
        LOW
    }

    private final double[][] sum;
    private long samples;

    public AttentionEntropy(int layers, int heads) {
        this.sum = new double[layers][heads];
    }

    public int layers() {
        return sum.length;
    }

    public int heads() {
        return sum.length == 0 ? 0 : sum[0].length;
    }

    public long samples() {
        return samples;
    }

    /**
     * Adds one sample's maps of mapped layer {@code layer}: {@code [heads][T][T]}, n real tokens.
     */
    void add(int layer, float[][][] maps, int n) {
        if (n < 2) {
            return;
        }
        double norm = Math.log(n);
        for (int h = 0; h < maps.length; h++) {
            double rows = 0;
            for (int i = 0; i < n; i++) {
                double e = 0;
                float[] row = maps[h][i];
                for (int j = 0; j < n; j++) {
                    float p = row[j];
                    if (p > 0) {
                        e -= p * Math.log(p);
                    }
                }
                rows += e / norm;
            }
            sum[layer][h] += rows / n;
        }
    }

    /** Counts one sample (after its layers were added). */
    void countSample() {
        samples++;
    }

    /** Mean normalised entropy of each layer's heads. */
    public double[][] means() {
        double[][] out = new double[sum.length][];
        for (int l = 0; l < sum.length; l++) {
            out[l] = new double[sum[l].length];
            for (int h = 0; h < sum[l].length; h++) {
                out[l][h] = samples == 0 ? 0 : sum[l][h] / samples;
            }
        }
        return out;
    }

    /** The {@code k} heads of each layer at the chosen end of the ranking, ascending by index. */
    public int[][] top(int k, Rank rank) {
        double[][] means = means();
        int[][] out = new int[means.length][];
        for (int l = 0; l < means.length; l++) {
            double[] m = means[l];
            Comparator<Integer> byEntropy = Comparator.comparingDouble(h -> m[h]);
            if (rank == Rank.HIGH) {
                byEntropy = byEntropy.reversed();
            }
            out[l] =
                    IntStream.range(0, m.length)
                            .boxed()
                            .sorted(byEntropy.thenComparingInt(h -> h))
                            .limit(Math.min(k, m.length))
                            .mapToInt(Integer::intValue)
                            .sorted()
                            .toArray();
        }
        return out;
    }

    /** State for a checkpoint: samples, then the sums row by row. */
    public double[] toArray() {
        double[] out = new double[1 + layers() * heads()];
        out[0] = samples;
        for (int l = 0; l < sum.length; l++) {
            System.arraycopy(sum[l], 0, out, 1 + l * heads(), heads());
        }
        return out;
    }

    /** Adds a checkpointed state (several subtasks' states merge by adding). */
    public void merge(double[] state) {
        if (state.length != 1 + layers() * heads()) {
            return; // a different teacher or layer map: start afresh
        }
        samples += (long) state[0];
        for (int l = 0; l < sum.length; l++) {
            for (int h = 0; h < heads(); h++) {
                sum[l][h] += state[1 + l * heads() + h];
            }
        }
    }

    @Override
    public String toString() {
        return "AttentionEntropy" + Arrays.deepToString(means());
    }
}
