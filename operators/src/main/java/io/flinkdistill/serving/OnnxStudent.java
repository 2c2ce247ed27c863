package io.flinkdistill.serving;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.teacher.ModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An exported student served by ONNX Runtime, without Flink or DJL: the tokenizer, prefix, classes
 * and token limit come from the model's own metadata. Owns its session and tokenizer; inference may
 * run from several threads.
 */
public final class OnnxStudent implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final String prefix;
    private final List<String> classes;
    private final Map<String, String> metadata;

    private OnnxStudent(byte[] model, int threads) throws IOException {
        this(model, threads, true);
    }

    /** With {@code withTokenizer} false only {@link #predictTokens} works (no tokenizer read). */
    private OnnxStudent(byte[] model, int threads, boolean withTokenizer) throws IOException {
        try {
            env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(threads);
                o.setInterOpNumThreads(1);
                o.addConfigEntry("session.intra_op.allow_spinning", "0");
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                session = env.createSession(model, o);
            }
            metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime cannot load the student model", e);
        }
        io.flinkdistill.provenance.Provenance recorded =
                io.flinkdistill.provenance.Provenance.of(metadata);
        String tok = recorded.tokenizer().orElse(null);
        if (tok == null) {
            close();
            throw new IOException(
                    "The model's metadata names no tokenizer: not a flink-distill student");
        }
        prefix = recorded.prefix();
        classes = recorded.classes().isEmpty() ? List.of("0", "1") : recorded.classes();
        String maxTokens = metadata.getOrDefault(StudentExporter.MAX_TOKENS, "64");
        if (!withTokenizer) {
            tokenizer = null;
            return;
        }
        try (InputStream in = ModelSource.open(tok)) {
            tokenizer =
                    HuggingFaceTokenizer.newInstance(
                            in,
                            Map.of(
                                    "truncation", "true",
                                    "padding", "false",
                                    "maxLength", maxTokens));
        } catch (IOException | RuntimeException e) {
            closeSession();
            throw e;
        }
    }

    /**
     * Opens a student from its ONNX bytes for already tokenized input only ({@link
     * #predictTokens}): the tokenizer is not read, which saves reading and parsing it when many
     * candidate files are measured on the same samples.
     */
    static OnnxStudent forTokens(byte[] model, int threads) throws IOException {
        return new OnnxStudent(model, threads, false);
    }

    /** Opens a student from its ONNX bytes. */
    public static OnnxStudent open(byte[] model, int threads) throws IOException {
        return new OnnxStudent(model, threads);
    }

    /** Opens a student from a location ({@link ModelSource}). */
    public static OnnxStudent open(String location, int threads) throws IOException {
        return open(ModelSource.read(location), threads);
    }

    public List<String> classes() {
        return classes;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public int[] tokenize(String text) {
        if (tokenizer == null) {
            throw new IllegalStateException("opened for token ids only (forTokens)");
        }
        long[] ids = tokenizer.encode(prefix + text).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** Class probabilities of each text. */
    public float[][] predict(List<String> texts) {
        List<int[]> tokens = new ArrayList<>(texts.size());
        texts.forEach(t -> tokens.add(tokenize(t)));
        return predictTokens(tokens);
    }

    /** Class probabilities of tokenized inputs, padded to the longest. */
    public float[][] predictTokens(List<int[]> tokens) {
        int len = 1;
        for (int[] t : tokens) {
            len = Math.max(len, t.length);
        }
        long[] ids = new long[tokens.size() * len];
        long[] mask = new long[tokens.size() * len];
        for (int b = 0; b < tokens.size(); b++) {
            int[] t = tokens.get(b);
            for (int i = 0; i < t.length; i++) {
                ids[b * len + i] = t[i];
                mask[b * len + i] = 1;
            }
        }
        long[] shape = {tokens.size(), len};
        try (OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                OrtSession.Result r =
                        session.run(
                                Map.of("input_ids", i, "attention_mask", m),
                                java.util.Set.of("probabilities"))) {
            return (float[][]) r.get(0).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("Student inference failed", e);
        }
    }

    private void closeSession() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("Could not close the student's session", e);
        }
    }

    @Override
    public void close() {
        try {
            closeSession();
        } finally {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
    }
}
