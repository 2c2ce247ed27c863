package io.flinkdistill.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small encoder with mean pooling, a classification head and a projection of its pooled features
 * to the teacher's width (for the feature-matching loss). Its token mixer is self-attention over
 * learned positions ({@link StudentConfig.Family#TRANSFORMER}) or a depthwise convolution ({@link
 * StudentConfig.Family#CNN}: {@code x + conv(LN(x) * mask)}, padding zeroed before every
 * convolution so that it never reaches a real token); the feed-forward blocks are the same. {@link
 * StudentConfig.Family#BERT} is the attention student in BERT's post-LayerNorm order (LayerNorm
 * after the embeddings and after each residual sum, none at the end), the order pre-trained
 * BERT-family layers were trained in.
 *
 * <p>Parameters are plain named DJL arrays owned by this model's manager, so that weights and
 * optimizer state can be checkpointed by name and restored bit for bit. Every operation in {@link
 * #forward} takes an activation (never a parameter) as its receiver, so results land in the
 * caller's per-step manager and nothing accumulates in the long-lived one.
 */
public final class StudentModel implements AutoCloseable {
    private final StudentConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();

    private StudentModel(StudentConfig config, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
    }

    /** A freshly initialised student; the same config (seed included) gives the same weights. */
    public static StudentModel create(StudentConfig config, NDManager parent) {
        StudentModel m = new StudentModel(config, parent);
        SplittableRandom rng = new SplittableRandom(config.seed());
        int h = config.hidden();
        m.add("embed.tokens", rng, 0.02f, config.vocabSize(), config.embedDim());
        m.add("embed.proj", rng, xavier(config.embedDim(), h), config.embedDim(), h);
        if (config.hasAttention()) {
            m.add("embed.pos", rng, 0.02f, config.maxTokens(), h);
        }
        if (config.postNorm()) {
            m.constant("embed.ln.g", 1f, h);
            m.constant("embed.ln.b", 0f, h);
        }
        for (int l = 0; l < config.layers(); l++) {
            String p = "layer" + l + ".";
            m.constant(p + "ln1.g", 1f, h);
            m.constant(p + "ln1.b", 0f, h);
            if (config.hasAttention()) {
                for (String w : new String[] {"q", "k", "v", "o"}) {
                    m.add(p + "attn." + w + ".w", rng, xavier(h, h), h, h);
                    m.constant(p + "attn." + w + ".b", 0f, h);
                }
            } else {
                // Depthwise: one filter of width kernel per channel, [h, 1, kernel] as conv1d
                // takes it; variance as for a dense layer of fan-in kernel.
                int k = config.kernel();
                m.add(p + "conv.w", rng, (float) Math.sqrt(1.0 / k), h, 1, k);
                m.constant(p + "conv.b", 0f, h);
            }
            m.constant(p + "ln2.g", 1f, h);
            m.constant(p + "ln2.b", 0f, h);
            m.add(p + "ffn.in.w", rng, xavier(h, config.ffn()), h, config.ffn());
            m.constant(p + "ffn.in.b", 0f, config.ffn());
            m.add(p + "ffn.out.w", rng, xavier(config.ffn(), h), config.ffn(), h);
            m.constant(p + "ffn.out.b", 0f, h);
        }
        if (!config.postNorm()) {
            m.constant("final.ln.g", 1f, h);
            m.constant("final.ln.b", 0f, h);
        }
        m.add("head.w", rng, xavier(h, config.numClasses()), h, config.numClasses());
        m.constant("head.b", 0f, config.numClasses());
        m.add("feature.proj.w", rng, xavier(h, config.teacherDim()), h, config.teacherDim());
        m.constant("feature.proj.b", 0f, config.teacherDim());
        return m;
    }

    /**
     * A student with the given weights (all of them, by name, as from {@link #exportWeights()}).
     */
    public static StudentModel fromWeights(
            StudentConfig config, Map<String, float[]> weights, NDManager parent) {
        StudentModel m = create(config, parent);
        m.loadWeights(weights);
        return m;
    }

    public StudentConfig config() {
        return config;
    }

    /** Parameters by name, in a fixed order. The arrays are owned by this model. */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    public long parameterCount() {
        long n = 0;
        for (NDArray p : params.values()) {
            n += p.size();
        }
        return n;
    }

    /** Marks which parameters take gradients (frozen ones keep their values). */
    public void setTraining(java.util.function.Predicate<String> trains) {
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            e.getValue().setRequiresGradient(trains.test(e.getKey()));
        }
    }

    /**
     * Forward pass. {@code tokens} are the teacher tokenizer's ids; longer inputs are cut to {@code
     * maxTokens}. All results are attached to {@code step}.
     */
    public StudentOutput forward(NDManager step, List<int[]> tokens, boolean training) {
        int batch = tokens.size();
        int len = 1;
        for (int[] t : tokens) {
            len = Math.max(len, Math.min(t.length, config.maxTokens()));
        }
        int[] ids = new int[batch * len];
        float[] mask = new float[batch * len];
        for (int b = 0; b < batch; b++) {
            int[] t = tokens.get(b);
            int n = Math.min(t.length, config.maxTokens());
            for (int i = 0; i < n; i++) {
                ids[b * len + i] = Math.floorMod(t[i], config.vocabSize());
                mask[b * len + i] = 1f;
            }
        }
        NDArray idArr = NativeArrays.owned(step, ids, new Shape(batch, len));
        NDArray maskArr = NativeArrays.owned(step, mask, new Shape(batch, len));

        NDArray x = embed(idArr, p("embed.tokens")).matMul(p("embed.proj"));
        if (config.hasAttention()) {
            NDArray positions = step.arange(0, len, 1, DataType.INT32);
            x = x.add(embed(positions, p("embed.pos")).expandDims(0));
        }
        if (config.postNorm()) {
            x = layerNorm(x, "embed.ln");
        }
        x = dropout(x, training);
        NDArray m3 = maskArr.expandDims(2);
        // Additive mask: 0 on real tokens, a large negative number on padding keys.
        NDArray keyBias =
                config.hasAttention() ? maskArr.sub(1f).mul(1e9f).reshape(batch, 1, 1, len) : null;
        List<NDArray> attentionMaps = new java.util.ArrayList<>(config.layers());
        List<NDArray> hiddenStates = new java.util.ArrayList<>(config.layers());
        for (int l = 0; l < config.layers(); l++) {
            String pre = "layer" + l + ".";
            x =
                    config.postNorm()
                            ? postNormLayer(x, keyBias, pre, attentionMaps, training)
                            : preNormLayer(x, keyBias, m3, pre, attentionMaps, training);
            hiddenStates.add(x);
        }
        if (!config.postNorm()) {
            x = layerNorm(x, "final.ln");
        }
        NDArray pooled = x.mul(m3).sum(new int[] {1}).div(m3.sum(new int[] {1}));
        NDArray logits = linear(dropout(pooled, training), "head");
        NDArray features = linear(pooled, "feature.proj");
        return new StudentOutput(logits, features, hiddenStates, attentionMaps);
    }

    /** Class probabilities for a batch, without gradients; arrays are freed before returning. */
    public float[][] predictProbabilities(NDManager parent, List<int[]> tokens) {
        try (NDManager step = parent.newSubManager()) {
            NDArray probs = forward(step, tokens, false).logits().softmax(1);
            float[] flat = probs.toFloatArray();
            int c = config.numClasses();
            float[][] out = new float[tokens.size()][c];
            for (int b = 0; b < out.length; b++) {
                System.arraycopy(flat, b * c, out[b], 0, c);
            }
            return out;
        }
    }

    public Map<String, float[]> exportWeights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((name, arr) -> out.put(name, arr.toFloatArray()));
        return out;
    }

    /** Overwrites one parameter (e.g. token embeddings initialised from the teacher). */
    public void setParameter(String name, float[] values) {
        NDArray p = params.get(name);
        if (p == null || p.size() != values.length) {
            throw new IllegalArgumentException(
                    "No parameter " + name + " with " + values.length + " values in this student");
        }
        try (NDManager tmp = manager.newSubManager()) {
            p.subi(p).addi(NativeArrays.owned(tmp, values, p.getShape()));
        }
    }

    public void loadWeights(Map<String, float[]> weights) {
        if (!weights.keySet().equals(params.keySet())) {
            throw new IllegalArgumentException(
                    "Saved student weights do not match this student's parameters: saved "
                            + weights.keySet()
                            + " vs expected "
                            + params.keySet());
        }
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            float[] w = weights.get(e.getKey());
            if (w.length != e.getValue().size()) {
                throw new IllegalArgumentException(
                        "Saved weight "
                                + e.getKey()
                                + " has "
                                + w.length
                                + " values, expected "
                                + e.getValue().size());
            }
            // Copy into the parameter's own (libtorch) memory; NDArray.set would make it alias a
            // Java buffer (see NativeArrays).
            try (NDManager tmp = manager.newSubManager()) {
                NDArray p = e.getValue();
                p.subi(p).addi(NativeArrays.owned(tmp, w, p.getShape()));
            }
        }
    }

    /** {@code x + mix(LN(x))}, then {@code x + FFN(LN(x))}. */
    private NDArray preNormLayer(
            NDArray x,
            NDArray keyBias,
            NDArray m3,
            String pre,
            List<NDArray> attentionMaps,
            boolean training) {
        NDArray h = layerNorm(x, pre + "ln1");
        NDArray mixed =
                config.hasAttention()
                        ? attention(h, keyBias, pre + "attn.", attentionMaps)
                        : convolution(h.mul(m3), pre + "conv");
        x = x.add(dropout(mixed, training));
        h = layerNorm(x, pre + "ln2");
        return x.add(dropout(feedForward(h, pre), training));
    }

    /** BERT's order: {@code LN(x + attention(x))}, then {@code LN(x + FFN(x))}. */
    private NDArray postNormLayer(
            NDArray x, NDArray keyBias, String pre, List<NDArray> attentionMaps, boolean training) {
        NDArray mixed = attention(x, keyBias, pre + "attn.", attentionMaps);
        x = layerNorm(x.add(dropout(mixed, training)), pre + "ln1");
        return layerNorm(x.add(dropout(feedForward(x, pre), training)), pre + "ln2");
    }

    private NDArray feedForward(NDArray h, String pre) {
        NDArray f = linear(h, pre + "ffn.in").getNDArrayInternal().gelu();
        return linear(f, pre + "ffn.out");
    }

    private NDArray attention(NDArray h, NDArray keyBias, String pre, List<NDArray> maps) {
        long batch = h.getShape().get(0);
        long len = h.getShape().get(1);
        int heads = config.heads();
        int hd = config.hidden() / heads;
        NDArray q = splitHeads(linear(h, pre + "q"), batch, len, heads, hd);
        NDArray k = splitHeads(linear(h, pre + "k"), batch, len, heads, hd);
        NDArray v = splitHeads(linear(h, pre + "v"), batch, len, heads, hd);
        NDArray scale = NativeArrays.scalar(h, (float) (1 / Math.sqrt(hd)));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(keyBias);
        NDArray probs = scores.softmax(3);
        // Head-averaged map [B, T, T], the student side of attention transfer.
        maps.add(probs.mean(new int[] {1}));
        NDArray ctx = probs.matMul(v); // [B, heads, T, hd]
        ctx = ctx.transpose(0, 2, 1, 3).reshape(batch, len, config.hidden());
        return linear(ctx, pre + "o");
    }

    /** Depthwise convolution along the tokens of {@code h} [B, T, H], "same" padding. */
    private NDArray convolution(NDArray h, String name) {
        int k = config.kernel();
        NDArray channelsFirst = h.transpose(0, 2, 1); // [B, H, T]
        NDArray out =
                channelsFirst
                        .getNDArrayInternal()
                        .convolution(
                                channelsFirst,
                                p(name + ".w"),
                                p(name + ".b"),
                                new Shape(1),
                                new Shape(k / 2),
                                new Shape(1),
                                config.hidden())
                        .singletonOrThrow();
        return out.transpose(0, 2, 1);
    }

    private static NDArray splitHeads(NDArray x, long batch, long len, int heads, int hd) {
        return x.reshape(batch, len, heads, hd).transpose(0, 2, 1, 3);
    }

    private NDArray linear(NDArray x, String name) {
        return x.matMul(p(name + ".w")).add(p(name + ".b"));
    }

    private NDArray layerNorm(NDArray x, String name) {
        NDList out =
                x.getNDArrayInternal()
                        .layerNorm(
                                x,
                                new Shape(config.hidden()),
                                p(name + ".g"),
                                p(name + ".b"),
                                config.layerNormEpsilon());
        return out.singletonOrThrow();
    }

    private NDArray dropout(NDArray x, boolean training) {
        if (!training || config.dropout() == 0f) {
            return x;
        }
        return x.getNDArrayInternal().dropout(x, config.dropout(), true).singletonOrThrow();
    }

    private static NDArray embed(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal()
                .embedding(ids, table, SparseFormat.DENSE)
                .singletonOrThrow();
    }

    private NDArray p(String name) {
        return params.get(name);
    }

    private void add(String name, SplittableRandom rng, float std, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (gaussian(rng) * std);
        }
        register(name, w, shape);
    }

    private void constant(String name, float value, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] w = new float[n];
        java.util.Arrays.fill(w, value);
        register(name, w, shape);
    }

    private void register(String name, float[] w, int... shape) {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        NDArray arr = NativeArrays.owned(manager, w, new Shape(dims));
        arr.setName(name);
        params.put(name, arr);
    }

    private static float xavier(int fanIn, int fanOut) {
        return (float) Math.sqrt(2.0 / (fanIn + fanOut));
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller from a seeded Java generator: identical weights on every JVM and restart.
        double u1 = Math.max(rng.nextDouble(), 1e-12);
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    @Override
    public void close() {
        manager.close();
    }
}
