package io.flinkdistill.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A small builder of ONNX graphs on the ONNX protobuf classes: initializers, nodes with fresh
 * output names, typed inputs and outputs with symbolic or fixed dimensions.
 */
final class OnnxGraph {
    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private int counter;

    OnnxGraph(String name) {
        graph.setName(name);
    }

    String floats(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return raw(name, OnnxMl.TensorProto.DataType.FLOAT_VALUE, b.array(), dims);
    }

    String int8s(String name, byte[] values, long... dims) {
        return raw(name, OnnxMl.TensorProto.DataType.INT8_VALUE, values, dims);
    }

    String int64s(String name, long[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return raw(name, OnnxMl.TensorProto.DataType.INT64_VALUE, b.array(), dims);
    }

    /** A float scalar constant. */
    String scalar(float value) {
        return floats("const_" + (counter++), new float[] {value});
    }

    /** An int64 scalar constant. */
    String scalarLong(long value) {
        return int64s("const_" + (counter++), new long[] {value});
    }

    private String raw(String name, int type, byte[] data, long... dims) {
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(type)
                        .setRawData(ByteString.copyFrom(data));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Adds a node with one output; returns the output's name. */
    String op(String type, String... inputs) {
        return op(type, new OnnxMl.AttributeProto[0], inputs);
    }

    String op(String type, OnnxMl.AttributeProto[] attributes, String... inputs) {
        return ops(type, 1, attributes, inputs)[0];
    }

    /** Adds a node with several outputs. */
    String[] ops(String type, int outputs, OnnxMl.AttributeProto[] attributes, String... inputs) {
        int id = counter++;
        OnnxMl.NodeProto.Builder n =
                OnnxMl.NodeProto.newBuilder().setOpType(type).setName(type + "_" + id);
        for (String in : inputs) {
            n.addInput(in);
        }
        String[] out = new String[outputs];
        for (int i = 0; i < outputs; i++) {
            out[i] = type.toLowerCase(java.util.Locale.ROOT) + "_" + id + "_" + i;
            n.addOutput(out[i]);
        }
        for (OnnxMl.AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    /** Copies {@code input} to a value with a stable name (for graph outputs). */
    String identity(String input, String name) {
        graph.addNode(
                OnnxMl.NodeProto.newBuilder()
                        .setOpType("Identity")
                        .setName("Identity_" + name)
                        .addInput(input)
                        .addOutput(name));
        return name;
    }

    static OnnxMl.AttributeProto intAttr(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    static OnnxMl.AttributeProto floatAttr(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    static OnnxMl.AttributeProto intsAttr(String name, long... values) {
        OnnxMl.AttributeProto.Builder a =
                OnnxMl.AttributeProto.newBuilder()
                        .setName(name)
                        .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /** A graph input or output; a dimension is a String (symbolic) or a Number (fixed). */
    private static OnnxMl.ValueInfoProto value(String name, int type, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim =
                    OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number n) {
                dim.setDimValue(n.longValue());
            } else {
                dim.setDimParam(d.toString());
            }
            shape.addDim(dim);
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        OnnxMl.TypeProto.newBuilder()
                                .setTensorType(
                                        OnnxMl.TypeProto.Tensor.newBuilder()
                                                .setElemType(type)
                                                .setShape(shape)))
                .build();
    }

    void input(String name, int type, Object... dims) {
        graph.addInput(value(name, type, dims));
    }

    void output(String name, int type, Object... dims) {
        graph.addOutput(value(name, type, dims));
    }

    OnnxMl.ModelProto build(
            long opset, String producerVersion, java.util.Map<String, String> meta) {
        OnnxMl.ModelProto.Builder m =
                OnnxMl.ModelProto.newBuilder()
                        .setIrVersion(8)
                        .setProducerName("flink-distill")
                        .setProducerVersion(producerVersion)
                        .addOpsetImport(
                                OnnxMl.OperatorSetIdProto.newBuilder()
                                        .setDomain("")
                                        .setVersion(opset))
                        .setGraph(graph);
        meta.forEach(
                (k, v) ->
                        m.addMetadataProps(
                                OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }
}
