package io.flinkdistill.export;

import ai.onnx.proto.OnnxMl;
import io.flinkdistill.student.StudentConfig;
import java.util.Map;

/**
 * Writes a trained student as an ONNX graph built from its weights (opset 17, dynamic batch and
 * sequence length): inputs {@code input_ids} and {@code attention_mask} (int64, [batch, tokens], at
 * most {@code maxTokens} tokens), outputs {@code logits} and {@code probabilities} ([batch,
 * classes]). The graph is the same computation as {@link io.flinkdistill.student.StudentModel}'s
 * inference forward pass (the feature projection, used only in training, is left out), for every
 * family: attention or a depthwise {@code Conv} (group = hidden) as the token mixer, LayerNorm
 * before each block or (BERT) after each residual sum.
 *
 * <p>{@link Precision#INT8} stores every weight matrix as 7-bit signed integers ({@link
 * #MATMUL_WEIGHT_LIMIT}) with a scale per output column and quantizes activations dynamically to
 * uint8 ({@code DynamicQuantizeLinear} + {@code MatMulInteger}, which ONNX Runtime fuses); the
 * token-embedding table, which is only gathered, never multiplied in integers, is int8 over the
 * full range with a scale per row. Attention score products, layer norms and softmax stay in float.
 */
public final class StudentOnnxExport {
    /** ONNX operator set the graphs use (LayerNormalization needs 17). */
    public static final long OPSET = 17;

    /** Number format of the weights. */
    public enum Precision {
        FP32,
        INT8;

        public String format() {
            return this == FP32 ? "onnx-fp32" : "onnx-int8";
        }
    }

    /**
     * Largest magnitude of a quantized {@code MatMulInteger} weight. ONNX Runtime's U8S8 kernel for
     * x86-64 CPUs with AVX2 but without VNNI multiplies with {@code vpmaddubsw}, which adds two
     * uint8 x int8 products into a <em>saturating</em> int16: 2 * 255 * 127 = 64,770 overflows
     * 32,767 and silently clips, so full-range int8 weights give wrong logits on those CPUs (and
     * right ones on VNNI, AMX and ARM64, whose kernels accumulate in int32). With |w| <= 63 the
     * pair sum is at most 2 * 255 * 63 = 32,130, so no kernel can saturate and the same file is
     * exact on every CPU; the cost is one bit of weight precision ("reduce range" in ONNX Runtime's
     * quantization guide). U8U8 (weights with a zero point of 128) would keep 8 bits but takes a
     * slower, widening kernel on AVX2.
     */
    public static final int MATMUL_WEIGHT_LIMIT = 63;

    /** Largest magnitude of a quantized embedding row entry (gathered, not multiplied). */
    public static final int EMBEDDING_LIMIT = 127;

    private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = OnnxMl.TensorProto.DataType.INT64_VALUE;

    private final StudentConfig c;
    private final Map<String, float[]> w;
    private final Precision precision;
    private final OnnxGraph g = new OnnxGraph("flink-distill-student");

    private StudentOnnxExport(StudentConfig c, Map<String, float[]> weights, Precision precision) {
        this.c = c;
        this.w = weights;
        this.precision = precision;
    }

    /**
     * @param weights by name, as {@link io.flinkdistill.student.StudentModel#exportWeights()} gives
     *     them (FFN widths may be smaller than the config's after {@link FfnPruning})
     * @param metadata stored as the model's metadata properties (provenance, classes, ...)
     */
    public static OnnxMl.ModelProto export(
            StudentConfig config,
            Map<String, float[]> weights,
            Precision precision,
            Map<String, String> metadata) {
        StudentOnnxExport e = new StudentOnnxExport(config, weights, precision);
        e.build();
        String version = StudentOnnxExport.class.getPackage().getImplementationVersion();
        return e.g.build(OPSET, version == null ? "dev" : version, metadata);
    }

    private void build() {
        int h = c.hidden();
        g.input("input_ids", INT64, "batch", "tokens");
        g.input("attention_mask", INT64, "batch", "tokens");

        String tokens = embedding("input_ids");
        String x = matmul(tokens, "embed.proj", c.embedDim(), h);
        if (c.hasAttention()) {
            String shape = g.op("Shape", "input_ids");
            String length = g.op("Gather", new OnnxMl.AttributeProto[0], shape, g.scalarLong(1));
            String positions = g.op("Range", g.scalarLong(0), length, g.scalarLong(1));
            String pos = g.op("Gather", weight("embed.pos", c.maxTokens(), h), positions);
            x = g.op("Add", x, pos);
        }

        String mask =
                g.op(
                        "Cast",
                        new OnnxMl.AttributeProto[] {OnnxGraph.intAttr("to", FLOAT)},
                        "attention_mask");
        // 0 on real tokens, -1e9 on padding keys: [batch, 1, 1, tokens].
        String keyBias =
                c.hasAttention()
                        ? g.op(
                                "Unsqueeze",
                                g.op("Mul", g.op("Sub", mask, g.scalar(1f)), g.scalar(1e9f)),
                                g.int64s("axes_1_2", new long[] {1, 2}, 2))
                        : null;
        String m3 = g.op("Unsqueeze", mask, g.int64s("axes_2", new long[] {2}, 1));
        if (c.postNorm()) {
            x = layerNorm(x, "embed.ln");
        }
        for (int l = 0; l < c.layers(); l++) {
            String p = "layer" + l + ".";
            int ffn = w.get(p + "ffn.in.b").length;
            if (c.postNorm()) {
                x = layerNorm(g.op("Add", x, attention(x, keyBias, p + "attn.")), p + "ln1");
                x = layerNorm(g.op("Add", x, feedForward(x, p, ffn)), p + "ln2");
                continue;
            }
            String a = layerNorm(x, p + "ln1");
            String mixed =
                    c.hasAttention()
                            ? attention(a, keyBias, p + "attn.")
                            : convolution(g.op("Mul", a, m3), p + "conv");
            x = g.op("Add", x, mixed);
            x = g.op("Add", x, feedForward(layerNorm(x, p + "ln2"), p, ffn));
        }
        if (!c.postNorm()) {
            x = layerNorm(x, "final.ln");
        }
        String axis1 = g.int64s("axes_1", new long[] {1}, 1);
        OnnxMl.AttributeProto[] noKeep = {OnnxGraph.intAttr("keepdims", 0)};
        String sum = g.op("ReduceSum", noKeep, g.op("Mul", x, m3), axis1);
        String count = g.op("ReduceSum", noKeep, m3, axis1);
        String pooled = g.op("Div", sum, count);
        String logits = linear(pooled, "head", h, c.numClasses());
        g.identity(logits, "logits");
        g.identity(
                g.op(
                        "Softmax",
                        new OnnxMl.AttributeProto[] {OnnxGraph.intAttr("axis", -1)},
                        logits),
                "probabilities");
        g.output("logits", FLOAT, "batch", c.numClasses());
        g.output("probabilities", FLOAT, "batch", c.numClasses());
    }

    private String feedForward(String x, String p, int ffn) {
        String inner = gelu(linear(x, p + "ffn.in", c.hidden(), ffn));
        return linear(inner, p + "ffn.out", ffn, c.hidden());
    }

    private String attention(String x, String keyBias, String p) {
        int heads = c.heads();
        int hd = c.hidden() / heads;
        String split = g.int64s(p + "split_shape", new long[] {0, 0, heads, hd}, 4);
        String q = heads(linear(x, p + "q", c.hidden(), c.hidden()), split, 0, 2, 1, 3);
        String kT = heads(linear(x, p + "k", c.hidden(), c.hidden()), split, 0, 2, 3, 1);
        String v = heads(linear(x, p + "v", c.hidden(), c.hidden()), split, 0, 2, 1, 3);
        String scores = g.op("Mul", g.op("MatMul", q, kT), g.scalar((float) (1 / Math.sqrt(hd))));
        String probs =
                g.op(
                        "Softmax",
                        new OnnxMl.AttributeProto[] {OnnxGraph.intAttr("axis", -1)},
                        g.op("Add", scores, keyBias));
        String ctx =
                g.op(
                        "Transpose",
                        new OnnxMl.AttributeProto[] {OnnxGraph.intsAttr("perm", 0, 2, 1, 3)},
                        g.op("MatMul", probs, v));
        String merged =
                g.op("Reshape", ctx, g.int64s(p + "merge_shape", new long[] {0, 0, c.hidden()}, 3));
        return linear(merged, p + "o", c.hidden(), c.hidden());
    }

    /**
     * Depthwise convolution along the tokens of {@code x} [batch, tokens, hidden], "same" padding;
     * its few weights stay in float in both precisions.
     */
    private String convolution(String x, String p) {
        int h = c.hidden();
        int k = c.kernel();
        OnnxMl.AttributeProto[] swap = {OnnxGraph.intsAttr("perm", 0, 2, 1)};
        String conv =
                g.op(
                        "Conv",
                        new OnnxMl.AttributeProto[] {
                            OnnxGraph.intAttr("group", h),
                            OnnxGraph.intsAttr("kernel_shape", k),
                            OnnxGraph.intsAttr("pads", k / 2, k / 2),
                            OnnxGraph.intsAttr("strides", 1),
                            OnnxGraph.intsAttr("dilations", 1)
                        },
                        g.op("Transpose", swap, x),
                        weight(p + ".w", h, 1, k),
                        weight(p + ".b", h));
        return g.op("Transpose", swap, conv);
    }

    private String heads(String x, String splitShape, long... perm) {
        return g.op(
                "Transpose",
                new OnnxMl.AttributeProto[] {OnnxGraph.intsAttr("perm", perm)},
                g.op("Reshape", x, splitShape));
    }

    private String layerNorm(String x, String name) {
        return g.op(
                "LayerNormalization",
                new OnnxMl.AttributeProto[] {
                    OnnxGraph.intAttr("axis", -1),
                    OnnxGraph.floatAttr("epsilon", c.layerNormEpsilon())
                },
                x,
                weight(name + ".g", c.hidden()),
                weight(name + ".b", c.hidden()));
    }

    /** Exact GELU, as PyTorch computes it: 0.5 x (1 + erf(x / sqrt 2)). */
    private String gelu(String x) {
        String erf = g.op("Erf", g.op("Div", x, g.scalar((float) Math.sqrt(2))));
        return g.op("Mul", g.op("Mul", x, g.scalar(0.5f)), g.op("Add", erf, g.scalar(1f)));
    }

    private String linear(String x, String name, int in, int out) {
        return g.op("Add", matmul(x, name + ".w", in, out), weight(name + ".b", out));
    }

    private String matmul(String x, String name, int in, int out) {
        float[] m = w.get(name.endsWith(".w") || name.equals("embed.proj") ? name : name + ".w");
        check(name, m, (long) in * out);
        if (precision == Precision.FP32) {
            return g.op("MatMul", x, g.floats(name, m, in, out));
        }
        // Symmetric 7-bit per output column (see MATMUL_WEIGHT_LIMIT); activations quantized per
        // call to uint8.
        float[] scale = new float[out];
        for (int j = 0; j < out; j++) {
            float max = 0;
            for (int i = 0; i < in; i++) {
                max = Math.max(max, Math.abs(m[i * out + j]));
            }
            scale[j] = max == 0 ? 1f : max / MATMUL_WEIGHT_LIMIT;
        }
        byte[] q = new byte[m.length];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                q[i * out + j] = (byte) Math.round(m[i * out + j] / scale[j]);
            }
        }
        String[] dq = g.ops("DynamicQuantizeLinear", 3, new OnnxMl.AttributeProto[0], x);
        String product =
                g.op(
                        "MatMulInteger",
                        dq[0],
                        g.int8s(name + ".q", q, in, out),
                        dq[2],
                        g.int8s(name + ".zp", new byte[out], out));
        String asFloat =
                g.op("Cast", new OnnxMl.AttributeProto[] {OnnxGraph.intAttr("to", FLOAT)}, product);
        return g.op("Mul", asFloat, g.op("Mul", dq[1], g.floats(name + ".scale", scale, out)));
    }

    private String embedding(String ids) {
        float[] table = w.get("embed.tokens");
        check("embed.tokens", table, (long) c.vocabSize() * c.embedDim());
        if (precision == Precision.FP32) {
            return g.op(
                    "Gather", g.floats("embed.tokens", table, c.vocabSize(), c.embedDim()), ids);
        }
        int e = c.embedDim();
        float[] scale = new float[c.vocabSize()];
        byte[] q = new byte[table.length];
        for (int r = 0; r < c.vocabSize(); r++) {
            float max = 0;
            for (int d = 0; d < e; d++) {
                max = Math.max(max, Math.abs(table[r * e + d]));
            }
            scale[r] = max == 0 ? 1f : max / EMBEDDING_LIMIT;
            for (int d = 0; d < e; d++) {
                q[r * e + d] = (byte) Math.round(table[r * e + d] / scale[r]);
            }
        }
        String rows = g.op("Gather", g.int8s("embed.tokens.q", q, c.vocabSize(), e), ids);
        String rowScale =
                g.op("Gather", g.floats("embed.tokens.scale", scale, c.vocabSize(), 1), ids);
        return g.op(
                "Mul",
                g.op("Cast", new OnnxMl.AttributeProto[] {OnnxGraph.intAttr("to", FLOAT)}, rows),
                rowScale);
    }

    private String weight(String name, long... dims) {
        float[] v = w.get(name);
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        check(name, v, n);
        return g.floats(name, v, dims);
    }

    private static void check(String name, float[] values, long expected) {
        if (values == null || values.length != expected) {
            throw new IllegalArgumentException(
                    "Student weight "
                            + name
                            + " has "
                            + (values == null ? "no values" : values.length + " values")
                            + ", expected "
                            + expected);
        }
    }
}
