package io.flinkdistill.testing;

import ai.djl.ndarray.NDManager;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.student.StudentModel;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test fixtures around the shipped e5 teacher (operators' and pipeline's tests): the provenance a
 * job records for it, small untrained students on its vocabulary exported to ONNX, a random head.
 */
public final class ShippedTeacher {
    /** The provenance of a student of e5 with classes 0 and 1. */
    public static final Provenance PROVENANCE = withClasses(List.of("0", "1"));

    private ShippedTeacher() {}

    /** The same with {@code n} classes named {@code 0..n-1}. */
    public static Provenance withClasses(int n) {
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            classes.add(Integer.toString(i));
        }
        return withClasses(classes);
    }

    /** The same with these class names. */
    public static Provenance withClasses(List<String> classes) {
        TeacherSpec e5 = TeacherSpec.shipped(ShippedEncoder.E5_SMALL_V2_Q);
        return Provenance.builder()
                .teacher("e5-small-v2-q", "", 0, new int[0])
                .tokenizerOf(e5.tokenizer(), e5.prefix())
                .classes(classes)
                .build();
    }

    /** A small untrained student on the e5 vocabulary (classes 0 and 1), different per seed. */
    public static StudentConfig smallStudent(long seed) {
        return new StudentConfig(30522, 8, 16, 1, 2, 32, 64, 2, 16, 0.1f, seed);
    }

    /** {@link #smallStudent} exported to FP32 ONNX with {@link #PROVENANCE}. */
    public static byte[] smallStudentOnnx(long seed) {
        StudentConfig c = smallStudent(seed);
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                StudentModel s = StudentModel.create(c, m)) {
            return StudentExporter.export(
                    c, s.exportWeights(), PROVENANCE, StudentOnnxExport.Precision.FP32);
        }
    }

    /**
     * Publishes {@link #smallStudentOnnx} of seed {@code version} as both files of that version (no
     * metrics, no provenance).
     */
    public static io.flinkdistill.publish.ModelStore.Published publishSmallStudent(
            io.flinkdistill.publish.ModelStore store, String student, int version)
            throws java.io.IOException {
        byte[] onnx = smallStudentOnnx(version);
        return store.publish(student, version, onnx, onnx, java.util.Map.of(), Provenance.EMPTY);
    }

    /** A head over e5's 384 dimensions with Gaussian weights (seed 1), classes 0 and 1. */
    public static LinearHead randomHead() {
        Random r = new Random(1);
        float[][] w = new float[2][384];
        for (float[] row : w) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) r.nextGaussian();
            }
        }
        return new LinearHead("e5-small-v2-q", List.of("0", "1"), w, new float[2]);
    }
}
