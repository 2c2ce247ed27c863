package io.flinkdistill.teacher;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX model run as a teacher by ONNX Runtime: any encoder described by a {@link TeacherSpec}
 * (shipped or the user's), with its HuggingFace tokenizer, mean or CLS pooling, and either its own
 * classifier output or a {@link LinearHead}. At open it checks the spec against the model's real
 * inputs and outputs and fails with a message that lists them. Owns its native session and
 * tokenizer: open once, {@link #close()} once. Inference may run from several threads at once (see
 * {@link SharedTeachers}); opening and closing may not.
 */
public final class OnnxTeacher implements AutoCloseable {
    private final TeacherSpec spec;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final LinearHead head;
    private final String hiddenOutput;
    private final boolean pooledOutput;
    private final String tokenTypes;
    private final int hiddenSize;
    private final long parameterCount;
    private final int vocabSize;
    private final String sha256;

    /** Teacher layers whose attention is exported, one per student layer (empty: none). */
    private final int[] attentionLayers;

    private final List<String> attentionOutputs;
    private final boolean headsAveragedInGraph;
    private final int attentionHeads;

    private OnnxTeacher(
            TeacherSpec spec,
            LinearHead head,
            int maxTokens,
            int threads,
            int studentLayers,
            boolean averageInGraph)
            throws IOException {
        this.spec = spec;
        this.head = head;
        byte[] modelBytes = readOrExplain(spec.model(), "model");
        this.sha256 = ModelGraph.sha256(modelBytes);
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(modelBytes);
        OnnxMl.GraphProto graph = model.getGraph();
        this.parameterCount = ModelGraph.countParameters(graph);
        this.vocabSize = ModelGraph.vocabularySize(graph);
        List<String> layers = AttentionOutputs.candidates(graph, spec);
        this.attentionLayers =
                studentLayers > 0
                        ? AttentionOutputs.layerMap(Math.max(1, layers.size()), studentLayers)
                        : new int[0];
        this.headsAveragedInGraph = averageInGraph && attentionLayers.length > 0;
        if (attentionLayers.length > 0) {
            List<String> chosen = AttentionOutputs.selected(layers, attentionLayers);
            if (headsAveragedInGraph) {
                model = AttentionOutputs.withHeadMeans(model, chosen);
                this.attentionOutputs = AttentionOutputs.headMeanNames(chosen);
            } else {
                model = AttentionOutputs.withOutputs(model, chosen);
                this.attentionOutputs = chosen;
            }
            modelBytes = model.toByteArray();
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
        } catch (OrtException e) {
            throw new IOException(
                    "teacher '" + spec.name() + "': ONNX Runtime cannot load " + spec.model(), e);
        }
        try {
            TeacherSignature signature =
                    TeacherSignature.check(
                            spec,
                            session.getInputInfo(),
                            session.getOutputInfo(),
                            attentionOutputs);
            this.tokenTypes = signature.tokenTypes();
            this.hiddenOutput = signature.hiddenOutput();
            this.pooledOutput = signature.pooledOutput();
            this.hiddenSize = signature.hiddenSize();
            if (spec.logits() != null && head != null) {
                throw fail(
                        "has its own classifier (logits="
                                + spec.logits()
                                + "); a teacher head is not used with it");
            }
            this.attentionHeads =
                    attentionOutputs.isEmpty() || headsAveragedInGraph ? 0 : probeHeads();
        } catch (OrtException | RuntimeException e) {
            closeQuietly();
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IOException("teacher '" + spec.name() + "': cannot inspect the model", e);
        }
        if (head != null && head.inputDim() != hiddenSize) {
            closeQuietly();
            throw fail(
                    "the head expects "
                            + head.inputDim()
                            + " features but output '"
                            + hiddenOutput
                            + "' has "
                            + hiddenSize);
        }
        try (InputStream in = openOrExplain(spec.tokenizer(), "tokenizer")) {
            this.tokenizer =
                    HuggingFaceTokenizer.newInstance(
                            in,
                            Map.of(
                                    "truncation", "true",
                                    "padding", "false",
                                    "maxLength", Integer.toString(maxTokens)));
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /**
     * Opens a teacher.
     *
     * @param head the classification head, or null for embeddings only (or the model's own logits)
     * @param maxTokens longer inputs are truncated to this many tokens
     * @param threads ONNX Runtime intra-op threads
     */
    public static OnnxTeacher open(TeacherSpec spec, LinearHead head, int maxTokens, int threads)
            throws IOException {
        return new OnnxTeacher(spec, head, maxTokens, threads, 0, false);
    }

    public static OnnxTeacher open(
            ShippedEncoder encoder, LinearHead head, int maxTokens, int threads)
            throws IOException {
        return open(TeacherSpec.shipped(encoder), head, maxTokens, threads);
    }

    /**
     * Opens a teacher that also returns attention maps for a student of {@code studentLayers}
     * layers: the graph gets the attention probabilities (the Softmax outputs of its self-attention
     * blocks, or the outputs the spec names) of evenly spaced teacher layers as extra outputs, the
     * last teacher layer feeding the last student layer.
     *
     * @param averageInGraph average over heads inside the graph (a ReduceMean per exported layer:
     *     less to copy out, but no per-head entropy or head selection)
     */
    public static OnnxTeacher openWithAttention(
            TeacherSpec spec,
            LinearHead head,
            int maxTokens,
            int threads,
            int studentLayers,
            boolean averageInGraph)
            throws IOException {
        return new OnnxTeacher(spec, head, maxTokens, threads, studentLayers, averageInGraph);
    }

    public static OnnxTeacher openWithAttention(
            ShippedEncoder encoder, LinearHead head, int maxTokens, int threads, int studentLayers)
            throws IOException {
        return openWithAttention(
                TeacherSpec.shipped(encoder), head, maxTokens, threads, studentLayers, false);
    }

    /** The teacher layer feeding each student layer's attention transfer (empty when off). */
    public int[] attentionLayers() {
        return attentionLayers.clone();
    }

    /** Heads per exported attention layer (0 when off or averaged inside the graph). */
    public int attentionHeads() {
        return attentionHeads;
    }

    public TeacherSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    public LinearHead head() {
        return head;
    }

    /** Class names of the logits, or empty when the teacher has no classifier. */
    public List<String> classes() {
        return spec.hasOwnClassifier() ? spec.classes() : head == null ? List.of() : head.classes;
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

    /** Token ids of one text as the teacher sees it (with the spec's prefix and special tokens). */
    public int[] tokenize(String text) {
        Encoding enc = tokenizer.encode(spec.prefix() + text);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** Runs the model on one batch, padded to its longest member. */
    public List<TeacherOutput> infer(List<String> texts) {
        List<int[]> tokens = new ArrayList<>(texts.size());
        for (String t : texts) {
            tokens.add(tokenize(t));
        }
        return inferTokens(tokens);
    }

    /** Runs the model on already tokenized inputs, attention averaged over all heads. */
    public List<TeacherOutput> inferTokens(List<int[]> tokens) {
        return inferTokens(tokens, HeadSelection.ALL, null);
    }

    /**
     * Runs the model on already tokenized inputs, padded to the longest one.
     *
     * @param selection heads averaged into each attention map
     * @param entropy when not null, gets every sample's per-head attention entropy
     */
    public List<TeacherOutput> inferTokens(
            List<int[]> tokens, HeadSelection selection, AttentionEntropy entropy) {
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
            feed(inputs, ids, mask, shape);
            Set<String> wanted = new LinkedHashSet<>();
            wanted.add(hiddenOutput);
            if (spec.logits() != null) {
                wanted.add(spec.logits());
            }
            wanted.addAll(attentionOutputs);
            try (OrtSession.Result result = session.run(inputs, wanted)) {
                Object hidden = result.get(hiddenOutput).get().getValue();
                float[][] ownLogits =
                        spec.logits() == null
                                ? null
                                : (float[][]) result.get(spec.logits()).get().getValue();
                List<Object> maps = new ArrayList<>();
                for (String name : attentionOutputs) {
                    maps.add(result.get(name).get().getValue());
                }
                List<TeacherOutput> out = new ArrayList<>(batch);
                for (int b = 0; b < batch; b++) {
                    int n = tokens.get(b).length;
                    float[] pooled =
                            pooledOutput
                                    ? ((float[][]) hidden)[b].clone()
                                    : spec.pooling().pool(((float[][][]) hidden)[b], n);
                    float[] logits =
                            ownLogits != null
                                    ? ownLogits[b].clone()
                                    : head == null ? new float[0] : head.logits(pooled);
                    float[] attention =
                            AttentionOutputs.sampleMaps(
                                    maps, b, n, headsAveragedInGraph, selection, entropy);
                    out.add(new TeacherOutput(tokens.get(b), pooled, logits, attention));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "Teacher '" + spec.name() + "' failed on a batch of " + batch, e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Puts the model's inputs into {@code inputs} (the caller closes them, also on failure): ids,
     * the mask if the model takes one, zero segment ids if it takes those.
     */
    private void feed(Map<String, OnnxTensor> inputs, long[] ids, long[] mask, long[] shape)
            throws OrtException {
        inputs.put(spec.inputIds(), OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
        if (spec.attentionMask() != null) {
            inputs.put(
                    spec.attentionMask(),
                    OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
        }
        if (tokenTypes != null) {
            inputs.put(
                    tokenTypes,
                    OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape));
        }
    }

    /** Heads of the exported attention maps, read off one tiny inference. */
    private int probeHeads() throws OrtException {
        long[] shape = {1, 2};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            feed(inputs, new long[] {1, 2}, new long[] {1, 1}, shape);
            try (OrtSession.Result r = session.run(inputs, Set.of(attentionOutputs.get(0)))) {
                long[] s = ((TensorInfo) r.get(0).getInfo()).getShape();
                if (s.length != 4) {
                    throw fail(
                            "attention output '"
                                    + attentionOutputs.get(0)
                                    + "' has shape "
                                    + Arrays.toString(s)
                                    + "; attention probabilities are [batch, heads, tokens, tokens]");
                }
                return (int) s[1];
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private IllegalArgumentException fail(String message) {
        return new IllegalArgumentException("teacher '" + spec.name() + "': " + message);
    }

    private byte[] readOrExplain(String location, String key) throws IOException {
        try {
            return ModelSource.read(location);
        } catch (IOException e) {
            throw fail(key + "=" + location + " cannot be read: " + e.getMessage());
        }
    }

    private InputStream openOrExplain(String location, String key) {
        try {
            return ModelSource.open(location);
        } catch (IOException e) {
            throw fail(key + "=" + location + " cannot be read: " + e.getMessage());
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException ignored) {
            // already failing; the first error is the one to report
        }
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
}
