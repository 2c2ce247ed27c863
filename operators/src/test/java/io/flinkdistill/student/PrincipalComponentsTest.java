package io.flinkdistill.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A rank-k factorisation gives back a matrix of rank k, and its components are orthonormal. */
class PrincipalComponentsTest {

    @Test
    void shouldReconstructARankTwoMatrixFromTwoComponents() {
        int rows = 60;
        int dim = 6;
        SplittableRandom rng = new SplittableRandom(5);
        float[] mean = {1f, -2f, 0.5f, 0f, 3f, -1f};
        float[][] basis = {{1, 2, 0, -1, 0, 1}, {0, 1, 1, 1, -2, 0}};
        float[] values = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            double a = rng.nextDouble() * 4 - 2;
            double b = rng.nextDouble() - 0.5;
            for (int d = 0; d < dim; d++) {
                values[r * dim + d] = (float) (mean[d] + a * basis[0][d] + b * basis[1][d]);
            }
        }
        PrincipalComponents.Factors f = PrincipalComponents.factorise(values, rows, dim, 2, 1);
        for (int r = 0; r < rows; r++) {
            for (int d = 0; d < dim; d++) {
                double x = f.mean()[d];
                for (int c = 0; c < 2; c++) {
                    x += f.coordinates()[r * 2 + c] * f.components()[c * dim + d];
                }
                assertThat(x).isCloseTo(values[r * dim + d], within(1e-4));
            }
        }
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                double dot = 0;
                for (int d = 0; d < dim; d++) {
                    dot += f.components()[a * dim + d] * f.components()[b * dim + d];
                }
                assertThat(dot).isCloseTo(a == b ? 1 : 0, within(1e-5));
            }
        }
        // The first component carries the larger variance (a spreads over [-2, 2], b over 1).
        double first = 0;
        double second = 0;
        for (int r = 0; r < rows; r++) {
            first += f.coordinates()[r * 2] * f.coordinates()[r * 2];
            second += f.coordinates()[r * 2 + 1] * f.coordinates()[r * 2 + 1];
        }
        assertThat(first).isGreaterThan(second);
    }
}
