package io.flinkdistill.export;

import io.flinkdistill.student.StudentConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Structured pruning at export (design source, "dynamic layer pruning"): a feed-forward neuron
 * whose L1 norm, the mean absolute value of its incoming weights, is below the threshold is
 * removed: its column of {@code ffn.in}, its bias and its row of {@code ffn.out}. What it still
 * gave for a near-zero input, {@code gelu(bias) * ffn.out row}, is folded into the output bias.
 */
public final class FfnPruning {
    private FfnPruning() {}

    /** Pruned weights and how many neurons each layer kept. */
    public record Result(Map<String, float[]> weights, int[] kept, int original) {
        public int removed() {
            int total = 0;
            for (int k : kept) {
                total += original - k;
            }
            return total;
        }
    }

    public static Result prune(StudentConfig c, Map<String, float[]> weights, double threshold) {
        Map<String, float[]> out = new LinkedHashMap<>(weights);
        int h = c.hidden();
        int[] kept = new int[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "layer" + l + ".ffn.";
            float[] win = weights.get(p + "in.w");
            float[] bin = weights.get(p + "in.b");
            float[] wout = weights.get(p + "out.w");
            float[] bout = weights.get(p + "out.b").clone();
            int f = bin.length;
            boolean[] keep = new boolean[f];
            int k = 0;
            for (int j = 0; j < f; j++) {
                double l1 = 0;
                for (int i = 0; i < h; i++) {
                    l1 += Math.abs(win[i * f + j]);
                }
                keep[j] = l1 / h >= threshold;
                k += keep[j] ? 1 : 0;
            }
            if (k == 0) {
                // Keep the strongest neuron: a layer of width 0 is not a valid graph.
                int best = 0;
                double bestL1 = -1;
                for (int j = 0; j < f; j++) {
                    double l1 = 0;
                    for (int i = 0; i < h; i++) {
                        l1 += Math.abs(win[i * f + j]);
                    }
                    if (l1 > bestL1) {
                        bestL1 = l1;
                        best = j;
                    }
                }
                keep[best] = true;
                k = 1;
            }
            float[] nwin = new float[h * k];
            float[] nbin = new float[k];
            float[] nwout = new float[k * h];
            int col = 0;
            for (int j = 0; j < f; j++) {
                if (keep[j]) {
                    for (int i = 0; i < h; i++) {
                        nwin[i * k + col] = win[i * f + j];
                    }
                    nbin[col] = bin[j];
                    System.arraycopy(wout, j * h, nwout, col * h, h);
                    col++;
                } else {
                    double g = gelu(bin[j]);
                    for (int d = 0; d < h; d++) {
                        bout[d] += (float) (g * wout[j * h + d]);
                    }
                }
            }
            out.put(p + "in.w", nwin);
            out.put(p + "in.b", nbin);
            out.put(p + "out.w", nwout);
            out.put(p + "out.b", bout);
            kept[l] = k;
        }
        return new Result(out, kept, c.ffn());
    }

    /** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** erf within 1.5e-7 (Abramowitz and Stegun 7.1.26). */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y =
                1
                        - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736)
                                                * t
                                        + 0.254829592)
                                * t
                                * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }
}
