package io.flinkdistill.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.student.StudentModel;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The exported ONNX student computes what the DJL student computes, for every student family. */
class StudentOnnxExportTest {
    private static final StudentConfig TRANSFORMER =
            new StudentConfig(1000, 16, 32, 2, 4, 64, 24, 3, 48, 0.1f, 5);

    private static NDManager manager;
    private static final Map<StudentConfig.Family, Student> STUDENTS = new LinkedHashMap<>();

    /** A student with moved weights, a padded batch and the DJL student's logits on it. */
    private record Student(
            StudentConfig config,
            Map<String, float[]> weights,
            List<int[]> tokens,
            float[][] djlLogits) {}

    @BeforeAll
    static void trainedLikeStudents() {
        manager = NDManager.newBaseManager("PyTorch");
        for (StudentConfig.Family family : StudentConfig.Family.values()) {
            STUDENTS.put(family, student(TRANSFORMER.withFamily(family, 5)));
        }
    }

    private static Student student(StudentConfig config) {
        SplittableRandom rng = new SplittableRandom(3);
        Map<String, float[]> weights = new LinkedHashMap<>();
        try (StudentModel fresh = StudentModel.create(config, manager)) {
            // Every parameter moved off its initial value, as training would (biases and norms
            // too).
            fresh.exportWeights()
                    .forEach(
                            (name, v) -> {
                                float[] moved = v.clone();
                                for (int i = 0; i < moved.length; i++) {
                                    moved[i] += (float) (rng.nextDouble() - 0.5) * 0.2f;
                                }
                                weights.put(name, moved);
                            });
        }
        List<int[]> tokens = new ArrayList<>();
        for (int n : new int[] {24, 3, 11, 1, 17, 24, 6, 2}) {
            int[] t = new int[n];
            for (int i = 0; i < n; i++) {
                t[i] = rng.nextInt(config.vocabSize());
            }
            tokens.add(t);
        }
        try (StudentModel student = StudentModel.fromWeights(config, weights, manager);
                NDManager step = manager.newSubManager()) {
            float[] flat = student.forward(step, tokens, false).logits().toFloatArray();
            float[][] logits = new float[tokens.size()][config.numClasses()];
            for (int b = 0; b < tokens.size(); b++) {
                System.arraycopy(flat, b * 3, logits[b], 0, 3);
            }
            return new Student(config, weights, tokens, logits);
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(StudentConfig.Family.class)
    void shouldMatchTheDjlStudentWithin1e5OnAPaddedBatch(StudentConfig.Family family)
            throws Exception {
        Student st = STUDENTS.get(family);
        List<int[]> tokens = st.tokens();
        float[][] djlLogits = st.djlLogits();
        OnnxMl.ModelProto model =
                StudentOnnxExport.export(
                        st.config(),
                        st.weights(),
                        StudentOnnxExport.Precision.FP32,
                        Map.of("k", "v"));
        assertThat(model.getOpsetImport(0).getVersion()).isGreaterThanOrEqualTo(17);
        float[][] onnx = run(model, tokens);
        double maxDiff = 0;
        for (int b = 0; b < tokens.size(); b++) {
            for (int k = 0; k < 3; k++) {
                maxDiff = Math.max(maxDiff, Math.abs(onnx[b][k] - djlLogits[b][k]));
            }
        }
        assertThat(maxDiff).as("max abs logit difference").isLessThanOrEqualTo(1e-5);
        // Batch and length are dynamic: one sentence alone gives the same logits.
        float[][] alone = run(model, List.of(tokens.get(2)));
        for (int k = 0; k < 3; k++) {
            assertThat((double) Math.abs(alone[0][k] - djlLogits[2][k])).isLessThanOrEqualTo(1e-5);
        }
    }

    @ParameterizedTest
    @EnumSource(StudentConfig.Family.class)
    void shouldStayCloseInInt8AndBeSmaller(StudentConfig.Family family) throws Exception {
        Student st = STUDENTS.get(family);
        List<int[]> tokens = st.tokens();
        OnnxMl.ModelProto fp32 =
                StudentOnnxExport.export(
                        st.config(), st.weights(), StudentOnnxExport.Precision.FP32, Map.of());
        OnnxMl.ModelProto int8 =
                StudentOnnxExport.export(
                        st.config(), st.weights(), StudentOnnxExport.Precision.INT8, Map.of());
        assertThat(int8.getSerializedSize()).isLessThan(fp32.getSerializedSize() / 2);
        float[][] a = run(fp32, tokens);
        float[][] b = run(int8, tokens);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < 3; k++) {
                scale = Math.max(scale, Math.abs(a[i][k]));
                diff = Math.max(diff, Math.abs(a[i][k] - b[i][k]));
            }
        }
        assertThat(diff / scale).as("int8 error relative to the logits' size").isLessThan(0.1);
    }

    /**
     * Independent of the CPU the test runs on: every integer matmul of the INT8 graph multiplies
     * uint8 activations (DynamicQuantizeLinear, 0..255) by int8 weights with a zero point of 0, and
     * no pair of products can leave int16, so the AVX2 kernel ({@code vpmaddubsw}, saturating int16
     * pair sums) computes exactly what the VNNI and ARM64 kernels compute.
     */
    @ParameterizedTest
    @EnumSource(StudentConfig.Family.class)
    void shouldKeepEveryIntegerMatmulPairSumInsideInt16(StudentConfig.Family family) {
        Student st = STUDENTS.get(family);
        OnnxMl.ModelProto int8 =
                StudentOnnxExport.export(
                        st.config(), st.weights(), StudentOnnxExport.Precision.INT8, Map.of());
        OnnxMl.GraphProto graph = int8.getGraph();
        Map<String, OnnxMl.TensorProto> init = new LinkedHashMap<>();
        graph.getInitializerList().forEach(t -> init.put(t.getName(), t));
        Map<String, String> producer = new LinkedHashMap<>();
        graph.getNodeList()
                .forEach(n -> n.getOutputList().forEach(o -> producer.put(o, n.getOpType())));
        int matmuls = 0;
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("MatMulInteger")) {
                continue;
            }
            matmuls++;
            assertThat(producer.get(n.getInput(0)))
                    .as("activation of %s", n.getName())
                    .isEqualTo("DynamicQuantizeLinear");
            OnnxMl.TensorProto b = init.get(n.getInput(1));
            assertThat(b).as("weight initializer of %s", n.getName()).isNotNull();
            assertThat(b.getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.INT8_VALUE);
            int maxAbs = 0;
            for (byte v : b.getRawData().toByteArray()) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            for (byte zp : init.get(n.getInput(3)).getRawData().toByteArray()) {
                assertThat((int) zp).as("weight zero point of %s", b.getName()).isZero();
            }
            assertThat(2 * 255 * maxAbs)
                    .as("largest uint8 x int8 pair sum of %s (|w| <= %d)", b.getName(), maxAbs)
                    .isLessThanOrEqualTo(Short.MAX_VALUE);
            // The weights still use the range they are allowed, so precision is not thrown away.
            assertThat(maxAbs).isEqualTo(StudentOnnxExport.MATMUL_WEIGHT_LIMIT);
        }
        assertThat(matmuls).as("integer matmuls in the INT8 graph").isGreaterThan(0);
    }

    static float[][] run(OnnxMl.ModelProto model, List<int[]> batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int len = batch.stream().mapToInt(t -> t.length).max().orElse(1);
        long[] ids = new long[batch.size() * len];
        long[] mask = new long[batch.size() * len];
        for (int b = 0; b < batch.size(); b++) {
            for (int i = 0; i < batch.get(b).length; i++) {
                ids[b * len + i] = batch.get(b)[i];
                mask[b * len + i] = 1;
            }
        }
        long[] shape = {batch.size(), len};
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                OrtSession s = env.createSession(model.toByteArray(), o);
                OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                OrtSession.Result r = s.run(Map.of("input_ids", i, "attention_mask", m))) {
            return (float[][]) r.get("logits").get().getValue();
        }
    }
}
