package io.flinkdistill.teacher;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.List;

/**
 * Graph surgery on an ONNX encoder: exposes the attention probabilities of chosen layers (the
 * outputs of the Softmax nodes of its self-attention blocks, {@code [batch, heads, T, T]}) as extra
 * graph outputs, optionally averaged over heads inside the graph, without re-exporting the model.
 */
final class AttentionOutputs {
    private static final String HEAD_MEAN = "/flinkdistill_head_mean";

    private AttentionOutputs() {}

    /**
     * The attention outputs a teacher can export: the ones its spec names (each must be produced by
     * a node of the graph), or else the graph's self-attention Softmax outputs.
     */
    static List<String> candidates(OnnxMl.GraphProto graph, TeacherSpec spec) {
        if (spec.attention().isEmpty()) {
            return softmaxOutputs(graph);
        }
        java.util.Set<String> produced = new java.util.LinkedHashSet<>();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            produced.addAll(node.getOutputList());
        }
        for (String name : spec.attention()) {
            if (!produced.contains(name)) {
                throw new IllegalArgumentException(
                        "teacher '"
                                + spec.name()
                                + "': attention output '"
                                + name
                                + "' is not produced by any node; Softmax outputs of the model are: "
                                + allSoftmaxOutputs(graph));
            }
        }
        return spec.attention();
    }

    /**
     * Sample {@code b}'s attention maps ({@code n} real tokens), flattened layer after layer into
     * {@code [layers * n * n]}: copied when the graph averaged the heads, else averaged over the
     * selected heads here, adding each head's entropy to {@code entropy} when it is not null.
     */
    static float[] sampleMaps(
            List<Object> maps,
            int b,
            int n,
            boolean averagedInGraph,
            HeadSelection selection,
            AttentionEntropy entropy) {
        float[] attention = new float[maps.size() * n * n];
        for (int l = 0; l < maps.size(); l++) {
            if (averagedInGraph) {
                copyMap(((float[][][]) maps.get(l))[b], n, attention, l * n * n);
            } else {
                float[][][] perHead = ((float[][][][]) maps.get(l))[b];
                averageHeads(perHead, selection.headsOf(l), n, attention, l * n * n);
                if (entropy != null) {
                    entropy.add(l, perHead, n);
                }
            }
        }
        if (entropy != null && !maps.isEmpty() && !averagedInGraph) {
            entropy.countSample();
        }
        return attention;
    }

    /**
     * Outputs of the Softmax nodes of attention blocks, in graph order (one per layer): those whose
     * node name says attention, or every Softmax node when no name does.
     */
    static List<String> softmaxOutputs(OnnxMl.GraphProto graph) {
        List<String> named = new ArrayList<>();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Softmax")
                    && node.getName().toLowerCase(java.util.Locale.ROOT).contains("attention")) {
                named.add(node.getOutput(0));
            }
        }
        return named.isEmpty() ? allSoftmaxOutputs(graph) : named;
    }

    static List<String> allSoftmaxOutputs(OnnxMl.GraphProto graph) {
        List<String> out = new ArrayList<>();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Softmax")) {
                out.add(node.getOutput(0));
            }
        }
        return out;
    }

    /**
     * Which teacher layer feeds each of {@code studentLayers} student layers: evenly spaced, the
     * last feeding the last (for 12 and 2: layers 5 and 11).
     */
    static int[] layerMap(int teacherLayers, int studentLayers) {
        if (studentLayers <= 0 || teacherLayers == 0) {
            return new int[0];
        }
        int[] map = new int[studentLayers];
        for (int l = 0; l < studentLayers; l++) {
            map[l] = (int) Math.round((l + 1) * teacherLayers / (double) studentLayers) - 1;
        }
        return map;
    }

    static List<String> selected(List<String> all, int[] layers) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException(
                    "The teacher graph has no attention Softmax node to export for attention transfer;"
                            + " name the outputs with attention=... or turn the term off with --gamma 0");
        }
        List<String> out = new ArrayList<>();
        for (int layer : layers) {
            if (layer < 0 || layer >= all.size()) {
                throw new IllegalArgumentException(
                        "The teacher has "
                                + all.size()
                                + " attention layers; layer "
                                + layer
                                + " does not exist");
            }
            out.add(all.get(layer));
        }
        return out;
    }

    static OnnxMl.ModelProto withOutputs(OnnxMl.ModelProto model, List<String> names) {
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        for (String name : names) {
            graph.addOutput(floatOutput(name));
        }
        return model.toBuilder().setGraph(graph).build();
    }

    static List<String> headMeanNames(List<String> names) {
        return names.stream().map(n -> n + HEAD_MEAN).toList();
    }

    /**
     * Adds, for each attention output, a ReduceMean over the heads axis ({@code [batch, T, T]}) as
     * a graph output. ReduceMean takes its axes as an attribute up to opset 17 and as an input from
     * opset 18 on; both are handled.
     */
    static OnnxMl.ModelProto withHeadMeans(OnnxMl.ModelProto model, List<String> names) {
        long opset = 0;
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        String axesName = "flinkdistill_heads_axis";
        if (opset >= 18) {
            graph.addInitializer(
                    OnnxMl.TensorProto.newBuilder()
                            .setName(axesName)
                            .setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE)
                            .addDims(1)
                            .addInt64Data(1));
        }
        for (String name : names) {
            OnnxMl.NodeProto.Builder node =
                    OnnxMl.NodeProto.newBuilder()
                            .setOpType("ReduceMean")
                            .setName(name + HEAD_MEAN + "_node")
                            .addInput(name)
                            .addOutput(name + HEAD_MEAN)
                            .addAttribute(
                                    OnnxMl.AttributeProto.newBuilder()
                                            .setName("keepdims")
                                            .setType(OnnxMl.AttributeProto.AttributeType.INT)
                                            .setI(0));
            if (opset >= 18) {
                node.addInput(axesName);
            } else {
                node.addAttribute(
                        OnnxMl.AttributeProto.newBuilder()
                                .setName("axes")
                                .setType(OnnxMl.AttributeProto.AttributeType.INTS)
                                .addInts(1));
            }
            graph.addNode(node);
            graph.addOutput(floatOutput(name + HEAD_MEAN));
        }
        return model.toBuilder().setGraph(graph).build();
    }

    private static OnnxMl.ValueInfoProto floatOutput(String name) {
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        OnnxMl.TypeProto.newBuilder()
                                .setTensorType(
                                        OnnxMl.TypeProto.Tensor.newBuilder()
                                                .setElemType(
                                                        OnnxMl.TensorProto.DataType.FLOAT_VALUE)))
                .build();
    }

    /**
     * Averages {@code [heads][T][T]} over the chosen heads (null: all) for the first {@code n}
     * tokens into {@code out}.
     */
    static void averageHeads(float[][][] maps, int[] heads, int n, float[] out, int offset) {
        int count = heads == null ? maps.length : heads.length;
        float inv = 1f / count;
        for (int k = 0; k < count; k++) {
            float[][] head = maps[heads == null ? k : heads[k]];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    out[offset + i * n + j] += head[i][j] * inv;
                }
            }
        }
    }

    /** Copies the first {@code n} x {@code n} of an already averaged {@code [T][T]} map. */
    static void copyMap(float[][] map, int n, float[] out, int offset) {
        for (int i = 0; i < n; i++) {
            System.arraycopy(map[i], 0, out, offset + i * n, n);
        }
    }
}
