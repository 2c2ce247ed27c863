package io.flinkdistill.student;

import java.util.SplittableRandom;

/**
 * Projects the rows of a matrix onto its top principal components (subspace iteration on the
 * covariance): used to shrink a teacher's token embeddings to the student's embedding width.
 */
public final class PrincipalComponents {
    private PrincipalComponents() {}

    /**
     * @param values rows x dim, row-major
     * @param k components to keep
     * @param targetStd the projected values are scaled to this overall standard deviation
     * @return rows x k, row-major
     */
    public static float[] project(
            float[] values, int rows, int dim, int k, double targetStd, long seed) {
        Basis basis = basis(values, rows, dim, k, seed);
        float[] out = new float[rows * k];
        double sumSq = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < k; c++) {
                double s = basis.coordinate(values, r, dim, c);
                out[r * k + c] = (float) s;
                sumSq += s * s;
            }
        }
        double scale = targetStd / Math.sqrt(sumSq / out.length);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] * scale);
        }
        return out;
    }

    /**
     * A rank-k factorisation: {@code values ≈ coordinates · components + mean}.
     *
     * @param coordinates rows x k, row-major, unscaled
     * @param components k x dim, orthonormal rows, largest variance first
     * @param mean dim
     */
    public record Factors(float[] coordinates, float[] components, float[] mean) {}

    /** The rows of {@code values} (rows x dim, row-major) on their top k principal components. */
    public static Factors factorise(float[] values, int rows, int dim, int k, long seed) {
        Basis basis = basis(values, rows, dim, k, seed);
        float[] coordinates = new float[rows * k];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < k; c++) {
                coordinates[r * k + c] = (float) basis.coordinate(values, r, dim, c);
            }
        }
        float[] components = new float[k * dim];
        float[] mean = new float[dim];
        for (int d = 0; d < dim; d++) {
            for (int c = 0; c < k; c++) {
                components[c * dim + d] = (float) basis.q()[c][d];
            }
            mean[d] = (float) basis.mean()[d];
        }
        return new Factors(coordinates, components, mean);
    }

    /** Column means and the top k principal directions (orthonormal rows). */
    private record Basis(double[] mean, double[][] q) {
        double coordinate(float[] values, int row, int dim, int component) {
            double s = 0;
            for (int d = 0; d < dim; d++) {
                s += (values[row * dim + d] - mean[d]) * q[component][d];
            }
            return s;
        }
    }

    private static Basis basis(float[] values, int rows, int dim, int k, long seed) {
        if (k > dim) {
            throw new IllegalArgumentException(
                    "Cannot keep " + k + " components of " + dim + " dimensions");
        }
        double[] mean = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int d = 0; d < dim; d++) {
                mean[d] += values[r * dim + d];
            }
        }
        for (int d = 0; d < dim; d++) {
            mean[d] /= rows;
        }
        double[][] cov = new double[dim][dim];
        double[] x = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int d = 0; d < dim; d++) {
                x[d] = values[r * dim + d] - mean[d];
            }
            for (int i = 0; i < dim; i++) {
                double xi = x[i];
                double[] row = cov[i];
                for (int j = i; j < dim; j++) {
                    row[j] += xi * x[j];
                }
            }
        }
        for (int i = 0; i < dim; i++) {
            for (int j = i; j < dim; j++) {
                cov[i][j] /= rows;
                cov[j][i] = cov[i][j];
            }
        }
        double[][] q = new double[k][dim];
        SplittableRandom rng = new SplittableRandom(seed);
        for (double[] v : q) {
            for (int d = 0; d < dim; d++) {
                v[d] = rng.nextDouble() - 0.5;
            }
        }
        orthonormalise(q);
        for (int iter = 0; iter < 60; iter++) {
            double[][] next = new double[k][dim];
            for (int c = 0; c < k; c++) {
                for (int i = 0; i < dim; i++) {
                    double s = 0;
                    for (int j = 0; j < dim; j++) {
                        s += cov[i][j] * q[c][j];
                    }
                    next[c][i] = s;
                }
            }
            orthonormalise(next);
            q = next;
        }
        return new Basis(mean, q);
    }

    private static void orthonormalise(double[][] vectors) {
        for (int a = 0; a < vectors.length; a++) {
            for (int b = 0; b < a; b++) {
                double dot = 0;
                for (int d = 0; d < vectors[a].length; d++) {
                    dot += vectors[a][d] * vectors[b][d];
                }
                for (int d = 0; d < vectors[a].length; d++) {
                    vectors[a][d] -= dot * vectors[b][d];
                }
            }
            double norm = 0;
            for (double v : vectors[a]) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            for (int d = 0; d < vectors[a].length; d++) {
                vectors[a][d] /= norm;
            }
        }
    }
}
