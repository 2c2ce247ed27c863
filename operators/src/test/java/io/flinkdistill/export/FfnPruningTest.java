package io.flinkdistill.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.onnx.proto.OnnxMl;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.student.StudentModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Pruning removes the weak FFN neurons and, for dead ones, changes nothing else. */
public class FfnPruningTest {
    private static final StudentConfig C =
            new StudentConfig(1000, 16, 32, 2, 4, 64, 24, 3, 48, 0.1f, 5);

    /** A freshly initialised student's weights, each moved by uniform noise in [-0.1, 0.1). */
    public static Map<String, float[]> noisyWeights(StudentConfig c, SplittableRandom rng) {
        Map<String, float[]> w = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                StudentModel s = StudentModel.create(c, m)) {
            s.exportWeights()
                    .forEach(
                            (k, v) -> {
                                float[] x = v.clone();
                                for (int i = 0; i < x.length; i++) {
                                    x[i] += (float) (rng.nextDouble() - 0.5) * 0.2f;
                                }
                                w.put(k, x);
                            });
        }
        return w;
    }

    @Test
    void shouldRemoveNeuronsBelowTheThresholdAndKeepTheOutputsWhenTheyWereDead() throws Exception {
        SplittableRandom rng = new SplittableRandom(1);
        Map<String, float[]> w = noisyWeights(C, rng);
        // Every third neuron of layer 0 gets no input at all: it only adds gelu(bias) * out-row.
        float[] win = w.get("layer0.ffn.in.w");
        for (int j = 0; j < C.ffn(); j += 3) {
            for (int i = 0; i < C.hidden(); i++) {
                win[i * C.ffn() + j] = 0f;
            }
        }
        FfnPruning.Result r = FfnPruning.prune(C, w, 1e-6);
        assertThat(r.kept()).containsExactly(C.ffn() - 22, C.ffn());
        assertThat(r.weights().get("layer0.ffn.in.b")).hasSize(C.ffn() - 22);
        assertThat(r.weights().get("layer0.ffn.out.w")).hasSize((C.ffn() - 22) * C.hidden());

        List<int[]> tokens = new ArrayList<>();
        for (int n : new int[] {5, 24, 1, 9}) {
            int[] t = new int[n];
            for (int i = 0; i < n; i++) {
                t[i] = rng.nextInt(C.vocabSize());
            }
            tokens.add(t);
        }
        OnnxMl.ModelProto full =
                StudentOnnxExport.export(C, w, StudentOnnxExport.Precision.FP32, Map.of());
        OnnxMl.ModelProto pruned =
                StudentOnnxExport.export(
                        C, r.weights(), StudentOnnxExport.Precision.FP32, Map.of());
        assertThat(pruned.getSerializedSize()).isLessThan(full.getSerializedSize());
        float[][] a = StudentOnnxExportTest.run(full, tokens);
        float[][] b = StudentOnnxExportTest.run(pruned, tokens);
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < 3; k++) {
                assertThat((double) Math.abs(a[i][k] - b[i][k])).isLessThan(1e-5);
            }
        }
        // A high threshold prunes nearly everything but always leaves one neuron per layer.
        assertThat(FfnPruning.prune(C, w, 100).kept()).containsExactly(1, 1);
    }
}
