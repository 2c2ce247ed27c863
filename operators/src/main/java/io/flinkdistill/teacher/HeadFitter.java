package io.flinkdistill.teacher;

import java.util.List;

/**
 * Fits a {@link LinearHead} by multinomial logistic regression (softmax cross-entropy with L2) on
 * teacher embeddings of labelled samples. Full-batch Adam: the data is a few thousand vectors of a
 * few hundred dimensions, so this takes seconds and needs no extra library.
 */
public final class HeadFitter {
    private final int epochs;
    private final double learningRate;
    private final double l2;

    public HeadFitter(int epochs, double learningRate, double l2) {
        this.epochs = epochs;
        this.learningRate = learningRate;
        this.l2 = l2;
    }

    public static HeadFitter defaults() {
        return new HeadFitter(300, 0.05, 1e-4);
    }

    /**
     * @param x embeddings, one row per sample
     * @param y class index of each row
     */
    public LinearHead fit(String encoder, List<String> classes, float[][] x, int[] y) {
        int n = x.length;
        int d = x[0].length;
        int c = classes.size();
        double[][] w = new double[c][d];
        double[] b = new double[c];
        double[][] mw = new double[c][d];
        double[][] vw = new double[c][d];
        double[] mb = new double[c];
        double[] vb = new double[c];
        double beta1 = 0.9;
        double beta2 = 0.999;
        double[] p = new double[c];
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double[][] gw = new double[c][d];
            double[] gb = new double[c];
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    double s = b[k];
                    for (int j = 0; j < d; j++) {
                        s += w[k][j] * x[i][j];
                    }
                    p[k] = s;
                    max = Math.max(max, s);
                }
                double z = 0;
                for (int k = 0; k < c; k++) {
                    p[k] = Math.exp(p[k] - max);
                    z += p[k];
                }
                for (int k = 0; k < c; k++) {
                    double g = p[k] / z - (y[i] == k ? 1 : 0);
                    gb[k] += g / n;
                    for (int j = 0; j < d; j++) {
                        gw[k][j] += g * x[i][j] / n;
                    }
                }
            }
            double c1 = 1 - Math.pow(beta1, epoch);
            double c2 = 1 - Math.pow(beta2, epoch);
            for (int k = 0; k < c; k++) {
                for (int j = 0; j < d; j++) {
                    double g = gw[k][j] + l2 * w[k][j];
                    mw[k][j] = beta1 * mw[k][j] + (1 - beta1) * g;
                    vw[k][j] = beta2 * vw[k][j] + (1 - beta2) * g * g;
                    w[k][j] -= learningRate * (mw[k][j] / c1) / (Math.sqrt(vw[k][j] / c2) + 1e-8);
                }
                mb[k] = beta1 * mb[k] + (1 - beta1) * gb[k];
                vb[k] = beta2 * vb[k] + (1 - beta2) * gb[k] * gb[k];
                b[k] -= learningRate * (mb[k] / c1) / (Math.sqrt(vb[k] / c2) + 1e-8);
            }
        }
        float[][] wf = new float[c][d];
        float[] bf = new float[c];
        for (int k = 0; k < c; k++) {
            for (int j = 0; j < d; j++) {
                wf[k][j] = (float) w[k][j];
            }
            bf[k] = (float) b[k];
        }
        return new LinearHead(encoder, classes, wf, bf);
    }
}
