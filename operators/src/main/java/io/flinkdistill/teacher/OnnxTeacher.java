package io.flinkdistill.teacher;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A pretrained ONNX sentence encoder run by ONNX Runtime, with its HuggingFace tokenizer, mean
 * pooling over non-padding tokens and an optional {@link LinearHead}. Owns its native session and
 * tokenizer: open once, {@link #close()} once. Not thread-safe; one instance per task.
 */
public final class OnnxTeacher implements AutoCloseable {
    private final ShippedEncoder encoder;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final LinearHead head;
    private final String hiddenOutput;
    private final boolean needsTokenTypes;
    private final int hiddenSize;
    private final long parameterCount;
    private final int vocabSize;
    private final String sha256;

    /** Teacher layers whose attention is exported, one per student layer (empty: none). */
    private final int[] attentionLayers;

    private final List<String> attentionOutputs;

    private OnnxTeacher(
            ShippedEncoder encoder, LinearHead head, int maxTokens, int threads, int studentLayers)
            throws IOException {
        this.encoder = encoder;
        this.head = head;
        byte[] modelBytes = readResource(encoder.modelResource());
        this.sha256 = sha256(modelBytes);
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(modelBytes);
        OnnxMl.GraphProto graph = model.getGraph();
        this.parameterCount = countParameters(graph);
        this.vocabSize = vocabularySize(graph);
        this.attentionLayers =
                studentLayers > 0
                        ? AttentionOutputs.layerMap(
                                Math.max(1, AttentionOutputs.softmaxOutputs(graph).size()),
                                studentLayers)
                        : new int[0];
        if (attentionLayers.length > 0) {
            this.attentionOutputs = AttentionOutputs.selected(graph, attentionLayers);
            modelBytes = AttentionOutputs.withOutputs(model, attentionOutputs).toByteArray();
        } else {
            this.attentionOutputs = List.of();
        }
        try {
            this.env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(threads);
                options.setInterOpNumThreads(1);
                // Spinning threads are very costly when Flink slots share few cores.
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                this.session = env.createSession(modelBytes, options);
            }
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            this.hiddenOutput =
                    outputs.containsKey("last_hidden_state")
                            ? "last_hidden_state"
                            : outputs.keySet().iterator().next();
            long[] shape = ((TensorInfo) outputs.get(hiddenOutput).getInfo()).getShape();
            this.hiddenSize = (int) shape[shape.length - 1];
            this.needsTokenTypes = session.getInputNames().contains("token_type_ids");
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime could not load teacher model " + encoder.id(), e);
        }
        if (head != null && head.inputDim() != hiddenSize) {
            close();
            throw new IllegalArgumentException(
                    "Teacher head expects "
                            + head.inputDim()
                            + " features but "
                            + encoder.id()
                            + " produces "
                            + hiddenSize);
        }
        try (InputStream in = resource(encoder.tokenizerResource())) {
            this.tokenizer =
                    HuggingFaceTokenizer.newInstance(
                            in,
                            Map.of(
                                    "truncation", "true",
                                    "padding", "false",
                                    "maxLength", Integer.toString(maxTokens)));
        }
    }

    /**
     * Opens a shipped encoder.
     *
     * @param head the classification head, or null to compute embeddings only
     * @param maxTokens longer inputs are truncated to this many tokens
     * @param threads ONNX Runtime intra-op threads
     */
    public static OnnxTeacher open(
            ShippedEncoder encoder, LinearHead head, int maxTokens, int threads)
            throws IOException {
        return new OnnxTeacher(encoder, head, maxTokens, threads, 0);
    }

    /**
     * Opens a shipped encoder that also returns attention maps for a student of {@code
     * studentLayers} layers: the graph gets the attention probabilities (the Softmax outputs of its
     * self-attention blocks) of evenly spaced teacher layers as extra outputs, the last teacher
     * layer feeding the last student layer; each map is averaged over the teacher's heads.
     */
    public static OnnxTeacher openWithAttention(
            ShippedEncoder encoder, LinearHead head, int maxTokens, int threads, int studentLayers)
            throws IOException {
        return new OnnxTeacher(encoder, head, maxTokens, threads, studentLayers);
    }

    /** The teacher layer feeding each student layer's attention transfer (empty when off). */
    public int[] attentionLayers() {
        return attentionLayers.clone();
    }

    public ShippedEncoder encoder() {
        return encoder;
    }

    public LinearHead head() {
        return head;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** Size of the tokenizer's vocabulary, as the model's embedding table has it. */
    public int vocabSize() {
        return vocabSize;
    }

    public long parameterCount() {
        return parameterCount;
    }

    public String sha256() {
        return sha256;
    }

    /**
     * Token ids of one text as the teacher sees it (with the encoder's prefix and special tokens).
     */
    public int[] tokenize(String text) {
        Encoding enc = tokenizer.encode(encoder.textPrefix() + text);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** Runs the encoder on one batch, padded to its longest member. */
    public List<TeacherOutput> infer(List<String> texts) {
        List<int[]> tokens = new ArrayList<>(texts.size());
        for (String t : texts) {
            tokens.add(tokenize(t));
        }
        return inferTokens(tokens);
    }

    /** Runs the encoder on already tokenized inputs, padded to the longest one. */
    public List<TeacherOutput> inferTokens(List<int[]> tokens) {
        int batch = tokens.size();
        int maxLen = 1;
        for (int[] t : tokens) {
            maxLen = Math.max(maxLen, t.length);
        }
        long[] ids = new long[batch * maxLen];
        long[] mask = new long[batch * maxLen];
        for (int b = 0; b < batch; b++) {
            int[] t = tokens.get(b);
            for (int i = 0; i < t.length; i++) {
                ids[b * maxLen + i] = t[i];
                mask[b * maxLen + i] = 1;
            }
        }
        long[] shape = {batch, maxLen};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            inputs.put(
                    "attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (needsTokenTypes) {
                inputs.put(
                        "token_type_ids",
                        OnnxTensor.createTensor(
                                env, LongBuffer.wrap(new long[batch * maxLen]), shape));
            }
            java.util.Set<String> wanted = new java.util.LinkedHashSet<>();
            wanted.add(hiddenOutput);
            wanted.addAll(attentionOutputs);
            try (OrtSession.Result result = session.run(inputs, wanted)) {
                float[][][] hidden = (float[][][]) result.get(hiddenOutput).get().getValue();
                List<float[][][][]> maps = new ArrayList<>();
                for (String name : attentionOutputs) {
                    maps.add((float[][][][]) result.get(name).get().getValue());
                }
                List<TeacherOutput> out = new ArrayList<>(batch);
                for (int b = 0; b < batch; b++) {
                    int n = tokens.get(b).length;
                    float[] pooled = meanPool(hidden[b], n);
                    float[] logits = head == null ? new float[0] : head.logits(pooled);
                    float[] attention = new float[maps.size() * n * n];
                    for (int l = 0; l < maps.size(); l++) {
                        AttentionOutputs.averageHeads(maps.get(l)[b], n, attention, l * n * n);
                    }
                    out.add(new TeacherOutput(tokens.get(b), pooled, logits, attention));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("Teacher inference failed on a batch of " + batch, e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] meanPool(float[][] hidden, int length) {
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

    @Override
    public void close() {
        try {
            if (session != null) {
                session.close();
            }
        } catch (OrtException e) {
            throw new IllegalStateException("Could not close the teacher's ONNX session", e);
        } finally {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
    }

    static InputStream resource(String name) throws IOException {
        InputStream in = OnnxTeacher.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("Resource " + name + " is not on the classpath");
        }
        return in;
    }

    private static byte[] readResource(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return in.readAllBytes();
        }
    }

    /** Rows of the word-embedding table: the largest first dimension of a 2-D initializer. */
    private static int vocabularySize(OnnxMl.GraphProto graph) {
        long rows = 0;
        for (OnnxMl.TensorProto init : graph.getInitializerList()) {
            if (init.getDimsCount() == 2) {
                rows = Math.max(rows, init.getDims(0));
            }
        }
        return (int) rows;
    }

    private static long countParameters(OnnxMl.GraphProto graph) {
        long total = 0;
        for (OnnxMl.TensorProto init : graph.getInitializerList()) {
            long n = 1;
            for (long d : init.getDimsList()) {
                n *= d;
            }
            // Scalars (scales, zero points of quantisation) are bookkeeping, not parameters.
            if (init.getDimsCount() > 0) {
                total += n;
            }
        }
        return total;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
