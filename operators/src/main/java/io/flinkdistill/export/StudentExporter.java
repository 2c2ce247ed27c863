package io.flinkdistill.export;

import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a trained student (config, weights, provenance) into self-describing ONNX files: besides
 * the graph, the model's metadata names the tokenizer, the text prefix, the classes and the token
 * limit, so that a server needs nothing but the file; the provenance rides along.
 */
public final class StudentExporter {
    /** Metadata key of the longest input the graph takes, in tokens. */
    public static final String MAX_TOKENS = "student.max_tokens";

    private StudentExporter() {}

    /** The ONNX bytes of a student in the given precision, unpruned. */
    public static byte[] export(
            StudentConfig config,
            Map<String, float[]> weights,
            Provenance provenance,
            StudentOnnxExport.Precision precision) {
        return export(config, weights, provenance, precision, 0);
    }

    /**
     * The ONNX bytes of a student in the given precision, after removing the FFN neurons whose L1
     * norm is below {@code pruneThreshold} (0: none; see {@link FfnPruning}).
     */
    public static byte[] export(
            StudentConfig config,
            Map<String, float[]> weights,
            Provenance provenance,
            StudentOnnxExport.Precision precision,
            double pruneThreshold) {
        Map<String, String> meta = metadata(config, provenance);
        Map<String, float[]> w = weights;
        if (pruneThreshold > 0) {
            FfnPruning.Result pruned = FfnPruning.prune(config, weights, pruneThreshold);
            w = pruned.weights();
            meta.put("export.prune_threshold", Double.toString(pruneThreshold));
            meta.put("export.ffn_neurons_kept", java.util.Arrays.toString(pruned.kept()));
        }
        return StudentOnnxExport.export(config, w, precision, meta).toByteArray();
    }

    /**
     * What a server needs besides the graph: the provenance (which names the tokenizer, the text
     * prefix and the classes) and the token limit. A student from before the tokenizer was recorded
     * gets its shipped teacher's; one that names neither fails here, not in a server.
     */
    public static Map<String, String> metadata(StudentConfig config, Provenance provenance) {
        Provenance.Builder b = provenance.toBuilder();
        if (provenance.tokenizer().isEmpty()) {
            String teacher =
                    provenance
                            .teacherModel()
                            .orElseThrow(
                                    () ->
                                            new IllegalArgumentException(
                                                    "the student's provenance names neither its"
                                                            + " tokenizer nor its teacher"));
            TeacherSpec spec = TeacherSpec.shipped(ShippedEncoder.byId(teacher));
            b.tokenizerOf(spec.tokenizer(), spec.prefix());
        }
        if (provenance.classes().isEmpty()) {
            List<String> classes = new ArrayList<>();
            for (int i = 0; i < config.numClasses(); i++) {
                classes.add(Integer.toString(i));
            }
            b.classes(classes);
        }
        Map<String, String> m = new LinkedHashMap<>(b.build().entries());
        m.put(MAX_TOKENS, Integer.toString(config.maxTokens()));
        return m;
    }
}
