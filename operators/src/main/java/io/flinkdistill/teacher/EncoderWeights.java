package io.flinkdistill.teacher;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The weights of a BERT-family encoder read out of its ONNX file, as floats: a float initializer as
 * it is, a dynamically quantised one ({@code NAME_quantized} in uint8 or int8 with {@code
 * NAME_scale} and {@code NAME_zero_point}, per tensor or per output column) dequantised. Matrix
 * weights, which exporters leave unnamed ({@code onnx::MatMul_787}), are found through the node
 * that multiplies by them, e.g. {@code /encoder/layer.0/attention/self/query/MatMul} (or its {@code
 * MatMul_quant} twin in a quantised graph).
 */
public final class EncoderWeights {
    private final OnnxMl.GraphProto graph;
    private final Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();

    private EncoderWeights(OnnxMl.GraphProto graph) {
        this.graph = graph;
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
    }

    /** A values array with its dimensions (row-major). */
    public record Tensor(long[] dims, float[] values) {
        public int dim(int i) {
            return Math.toIntExact(dims[i]);
        }
    }

    /**
     * @param model a shipped encoder's id or a model location (see {@link ModelSource})
     */
    public static EncoderWeights open(String model) throws IOException {
        String location =
                model.contains(":") || model.contains("/")
                        ? model
                        : TeacherSpec.shipped(ShippedEncoder.byId(model)).model();
        try (InputStream in = ModelSource.open(location)) {
            return of(OnnxMl.ModelProto.parseFrom(in).getGraph());
        }
    }

    static EncoderWeights of(OnnxMl.GraphProto graph) {
        return new EncoderWeights(graph);
    }

    /** Whether the graph holds an initializer of this name, in float or quantised. */
    public boolean has(String name) {
        return initializers.containsKey(name) || initializers.containsKey(name + "_quantized");
    }

    /** The first initializer whose name contains {@code part} and has {@code rank} dimensions. */
    public String find(String part, int rank) throws IOException {
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            if (t.getName().contains(part) && t.getDimsCount() == rank) {
                return t.getName().replace("_quantized", "");
            }
        }
        throw new IOException("The model has no " + rank + "-D initializer named like " + part);
    }

    /** The dimensions of an initializer (named without {@code _quantized}). */
    public long[] shape(String name) throws IOException {
        OnnxMl.TensorProto t = initializers.get(name);
        if (t == null) {
            t = initializers.get(name + "_quantized");
        }
        if (t == null) {
            throw new IOException("The model has no initializer " + name);
        }
        return dims(t);
    }

    /** An initializer by name (without {@code _quantized}), as floats. */
    public Tensor tensor(String name) throws IOException {
        OnnxMl.TensorProto t = initializers.get(name);
        if (t != null) {
            if (t.getDataType() != OnnxMl.TensorProto.DataType.FLOAT_VALUE) {
                throw new IOException("Unsupported type of " + name + ": " + t.getDataType());
            }
            return new Tensor(dims(t), floats(t));
        }
        OnnxMl.TensorProto q = initializers.get(name + "_quantized");
        if (q == null) {
            throw new IOException("The model has no initializer " + name);
        }
        return new Tensor(dims(q), dequantise(name, q));
    }

    /**
     * The weight [in, out] a {@code MatMul} node named {@code node + "/MatMul"} multiplies by (or
     * the {@code MatMulInteger} node {@code node + "/MatMul_quant"}).
     */
    public Tensor matMulWeight(String node) throws IOException {
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (n.getName().equals(node + "/MatMul")
                    || n.getName().equals(node + "/MatMul_quant")) {
                return tensor(n.getInput(1).replace("_quantized", ""));
            }
        }
        throw new IOException("The model has no MatMul node " + node);
    }

    /**
     * The first layer's attention head count, as BERT exporters write it: the third entry of the
     * shape its query, key and value are split by ({@code /encoder/layer.0/attention/self/Concat},
     * a constant); empty when the graph does not say.
     */
    public OptionalInt attentionHeads() {
        String shape = null;
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (n.getName().equals("/encoder/layer.0/attention/self/Concat")
                    && n.getInputCount() == 4) {
                shape = n.getInput(2);
            }
        }
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutputList().contains(shape)) {
                for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                    OnnxMl.TensorProto t = a.getT();
                    if (a.hasT() && t.getDataType() == OnnxMl.TensorProto.DataType.INT64_VALUE) {
                        return t.getInt64DataCount() == 1
                                ? OptionalInt.of(Math.toIntExact(t.getInt64Data(0)))
                                : OptionalInt.of(
                                        Math.toIntExact(
                                                t.getRawData()
                                                        .asReadOnlyByteBuffer()
                                                        .order(ByteOrder.LITTLE_ENDIAN)
                                                        .getLong(0)));
                    }
                }
            }
        }
        return OptionalInt.empty();
    }

    private float[] dequantise(String name, OnnxMl.TensorProto q) throws IOException {
        float[] scale = tensor(name + "_scale").values();
        float[] zeroPoint = integers(name + "_zero_point");
        long[] dims = dims(q);
        int columns = dims.length == 0 ? 1 : Math.toIntExact(dims[dims.length - 1]);
        boolean perColumn = scale.length > 1;
        if (perColumn && (scale.length != columns || zeroPoint.length != columns)) {
            throw new IOException(
                    "Scale of "
                            + name
                            + " has "
                            + scale.length
                            + " values for "
                            + columns
                            + " columns");
        }
        boolean unsigned =
                switch (q.getDataType()) {
                    case OnnxMl.TensorProto.DataType.UINT8_VALUE -> true;
                    case OnnxMl.TensorProto.DataType.INT8_VALUE -> false;
                    default ->
                            throw new IOException(
                                    "Unsupported type of " + name + ": " + q.getDataType());
                };
        ByteBuffer raw = q.getRawData().asReadOnlyByteBuffer();
        float[] values = new float[raw.remaining()];
        for (int i = 0; i < values.length; i++) {
            byte b = raw.get(i);
            int c = perColumn ? i % columns : 0;
            values[i] = ((unsigned ? (b & 0xff) : b) - zeroPoint[c]) * scale[c];
        }
        return values;
    }

    private float[] integers(String name) throws IOException {
        OnnxMl.TensorProto t = initializers.get(name);
        if (t == null) {
            throw new IOException("The model has no initializer " + name);
        }
        if (t.getInt32DataCount() > 0) {
            float[] out = new float[t.getInt32DataCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getInt32Data(i);
            }
            return out;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer();
        boolean unsigned = t.getDataType() == OnnxMl.TensorProto.DataType.UINT8_VALUE;
        if (!unsigned && t.getDataType() != OnnxMl.TensorProto.DataType.INT8_VALUE) {
            throw new IOException("Unsupported type of " + name + ": " + t.getDataType());
        }
        float[] out = new float[raw.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = unsigned ? raw.get(i) & 0xff : raw.get(i);
        }
        return out;
    }

    private static float[] floats(OnnxMl.TensorProto t) {
        if (t.getFloatDataCount() > 0) {
            float[] out = new float[t.getFloatDataCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
            return out;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(out);
        return out;
    }

    private static long[] dims(OnnxMl.TensorProto t) {
        long[] out = new long[t.getDimsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getDims(i);
        }
        return out;
    }
}
