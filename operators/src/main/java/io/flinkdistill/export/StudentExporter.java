package io.flinkdistill.export;

import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a trained student (config, weights, provenance) into self-describing ONNX files: besides
 * the graph, the model's metadata names the tokenizer, the text prefix, the classes and the token
 * limit, so that a server needs nothing but the file; the provenance rides along.
 */
public final class StudentExporter {
    /** Provenance and metadata key of the tokenizer location. */
    public static final String TOKENIZER = "teacher.tokenizer";

    /** Provenance and metadata key of the text prefix. */
    public static final String PREFIX = "teacher.prefix";

    public static final String CLASSES = "teacher.classes";
    public static final String MAX_TOKENS = "student.max_tokens";

    private StudentExporter() {}

    /** The ONNX bytes of a student in the given precision, unpruned. */
    public static byte[] export(
            StudentConfig config,
            Map<String, float[]> weights,
            Map<String, String> provenance,
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
            Map<String, String> provenance,
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

    /** What a server needs besides the graph, filled in from the provenance. */
    public static Map<String, String> metadata(
            StudentConfig config, Map<String, String> provenance) {
        Map<String, String> m = new LinkedHashMap<>(provenance);
        if (!m.containsKey(TOKENIZER)) {
            // Students trained before the key existed had a shipped teacher.
            TeacherSpec spec =
                    TeacherSpec.shipped(
                            ShippedEncoder.byId(
                                    provenance.getOrDefault("teacher.model", "e5-small-v2-q")));
            m.put(TOKENIZER, spec.tokenizer());
            m.put(PREFIX, spec.prefix());
        }
        m.putIfAbsent(PREFIX, "");
        m.put(MAX_TOKENS, Integer.toString(config.maxTokens()));
        if (!m.containsKey(CLASSES)) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < config.numClasses(); i++) {
                sb.append(i == 0 ? "" : ",").append(i);
            }
            m.put(CLASSES, sb.toString());
        }
        return m;
    }
}
