package io.flinkdistill.teacher;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which ONNX model a teacher runs and how to talk to it. Written on the command line either as the
 * id of a shipped encoder ({@code e5-small-v2-q}) or as {@code key=value} pairs separated by
 * commas:
 *
 * <pre>
 * name=mine,model=s3://bucket/enc.onnx,tokenizer=s3://bucket/tokenizer.json,pooling=cls
 * </pre>
 *
 * <p>Keys: {@code name} (default: the model file's name), {@code model} and {@code tokenizer}
 * (required; see {@link ModelSource} for locations), {@code input-ids}, {@code attention-mask},
 * {@code token-type-ids} (the model's input names; {@code none} for an input it lacks), {@code
 * output} (a graph output of shape [batch, tokens, hidden] or [batch, hidden]), {@code logits} (an
 * output of shape [batch, classes], for a model with its own classifier; it then needs {@code
 * classes}, and no head), {@code classes} (class names separated by {@code ;}), {@code pooling}
 * ({@code mean} or {@code cls}), {@code prefix} (text put before every input, e.g. {@code query:
 * }), {@code attention} ({@code auto}: the Softmax nodes of attention blocks; or node output names
 * separated by {@code ;}, one per layer).
 *
 * @param inputIds name of the token-id input
 * @param attentionMask name of the mask input, or null when the model takes none
 * @param tokenTypeIds name of the segment input, or null; defaulted ones are fed only if present
 * @param output hidden-state output, or null for the model's {@code last_hidden_state} or first
 * @param logits classifier output, or null when a {@link LinearHead} makes the logits
 * @param attention node outputs holding per-layer attention probabilities; empty = found by op
 */
public record TeacherSpec(
        String name,
        String model,
        String tokenizer,
        String inputIds,
        String attentionMask,
        String tokenTypeIds,
        boolean tokenTypeIdsExplicit,
        String output,
        String logits,
        List<String> classes,
        Pooling pooling,
        String prefix,
        List<String> attention)
        implements Serializable {

    /** How token states become one vector per input. */
    public enum Pooling {
        /** Mean over the non-padding tokens. */
        MEAN,
        /** The first token's state. */
        CLS;

        /** One sample's embedding from its token states ({@code length} real tokens). */
        float[] pool(float[][] hidden, int length) {
            if (this == CLS) {
                return hidden[0].clone();
            }
            float[] pooled = new float[hidden[0].length];
            for (int t = 0; t < length; t++) {
                for (int d = 0; d < pooled.length; d++) {
                    pooled[d] += hidden[t][d];
                }
            }
            for (int d = 0; d < pooled.length; d++) {
                pooled[d] /= length;
            }
            return pooled;
        }
    }

    public static final List<String> KEYS =
            List.of(
                    "name",
                    "model",
                    "tokenizer",
                    "input-ids",
                    "attention-mask",
                    "token-type-ids",
                    "output",
                    "logits",
                    "classes",
                    "pooling",
                    "prefix",
                    "attention");

    public TeacherSpec {
        require(name, "name");
        require(model, "model");
        require(tokenizer, "tokenizer");
        require(inputIds, "input-ids");
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(
                    "name '" + name + "' may hold only letters, digits, '.', '_' and '-'");
        }
        classes = List.copyOf(classes);
        attention = List.copyOf(attention);
        if (logits != null && classes.size() < 2) {
            throw new IllegalArgumentException(
                    "logits=" + logits + " needs classes=<a;b;...> naming at least two classes");
        }
        if (logits == null && !classes.isEmpty()) {
            throw new IllegalArgumentException(
                    "classes is only allowed with logits; a head names the classes otherwise");
        }
        prefix = prefix == null ? "" : prefix;
    }

    private static void require(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("'" + key + "' is required");
        }
    }

    /** Whether the model computes its own logits (no head needed). */
    public boolean hasOwnClassifier() {
        return logits != null;
    }

    /** The shipped encoder with this id, written as a spec. */
    public static TeacherSpec shipped(ShippedEncoder e) {
        return new TeacherSpec(
                e.id(),
                ModelSource.CLASSPATH + e.modelResource(),
                ModelSource.CLASSPATH + e.tokenizerResource(),
                "input_ids",
                "attention_mask",
                "token_type_ids",
                false,
                null,
                null,
                List.of(),
                Pooling.MEAN,
                e.textPrefix(),
                List.of());
    }

    /**
     * Parses a shipped id or a {@code key=value,...} spec; the message of the exception says which
     * key is wrong and what is allowed.
     */
    public static TeacherSpec parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        if (!trimmed.contains("=")) {
            try {
                return shipped(ShippedEncoder.byId(trimmed));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "'"
                                + trimmed
                                + "' is neither a shipped model ("
                                + ShippedEncoder.ids()
                                + ") nor a spec of key=value pairs with keys "
                                + String.join(", ", KEYS));
            }
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : trimmed.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(
                        "'" + part + "' is not key=value; keys are " + String.join(", ", KEYS));
            }
            String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown key '" + key + "'; keys are " + String.join(", ", KEYS));
            }
            if (kv.put(key, part.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("key '" + key + "' is given twice");
            }
        }
        String model = kv.get("model");
        if (model == null) {
            throw new IllegalArgumentException("'model' is required in a teacher spec");
        }
        String pooling = kv.getOrDefault("pooling", "mean").toUpperCase(Locale.ROOT);
        Pooling p;
        try {
            p = Pooling.valueOf(pooling);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "pooling must be 'mean' or 'cls', got '" + kv.get("pooling") + "'");
        }
        String types = kv.getOrDefault("token-type-ids", "token_type_ids");
        String attention = kv.getOrDefault("attention", "auto");
        return new TeacherSpec(
                kv.getOrDefault("name", defaultName(model)),
                model,
                kv.get("tokenizer"),
                kv.getOrDefault("input-ids", "input_ids"),
                none(kv.getOrDefault("attention-mask", "attention_mask")),
                none(types),
                kv.containsKey("token-type-ids"),
                kv.get("output"),
                kv.get("logits"),
                kv.containsKey("classes") ? splitList(kv.get("classes")) : List.of(),
                p,
                kv.getOrDefault("prefix", ""),
                attention.equals("auto") ? List.of() : splitList(attention));
    }

    private static String none(String value) {
        return value.equalsIgnoreCase("none") ? null : value;
    }

    private static List<String> splitList(String value) {
        List<String> out = new ArrayList<>();
        for (String s : value.split(";")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private static String defaultName(String model) {
        String file = model.substring(model.lastIndexOf('/') + 1);
        file = file.substring(file.lastIndexOf(':') + 1);
        String stem = file.endsWith(".onnx") ? file.substring(0, file.length() - 5) : file;
        return stem.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
