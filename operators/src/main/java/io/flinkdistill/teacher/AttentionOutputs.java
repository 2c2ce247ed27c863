package io.flinkdistill.teacher;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Graph surgery on an ONNX encoder: exposes the attention probabilities of chosen layers (the
 * outputs of the Softmax nodes of its self-attention blocks, {@code [batch, heads, T, T]}) as extra
 * graph outputs, without re-exporting the model.
 */
final class AttentionOutputs {
    private AttentionOutputs() {}

    /**
     * Outputs of the Softmax nodes over the last axis of a 4-D tensor, in graph order (one per
     * layer).
     */
    static List<String> softmaxOutputs(OnnxMl.GraphProto graph) {
        List<String> out = new ArrayList<>();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Softmax") && node.getName().contains("attention")) {
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

    static List<String> selected(OnnxMl.GraphProto graph, int[] layers) throws IOException {
        List<String> all = softmaxOutputs(graph);
        if (all.isEmpty()) {
            throw new IOException(
                    "The teacher graph has no attention Softmax node to export for attention transfer;"
                            + " turn the attention term off with --gamma 0");
        }
        List<String> out = new ArrayList<>();
        for (int layer : layers) {
            if (layer < 0 || layer >= all.size()) {
                throw new IOException(
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
            graph.addOutput(
                    OnnxMl.ValueInfoProto.newBuilder()
                            .setName(name)
                            .setType(
                                    OnnxMl.TypeProto.newBuilder()
                                            .setTensorType(
                                                    OnnxMl.TypeProto.Tensor.newBuilder()
                                                            .setElemType(
                                                                    OnnxMl.TensorProto.DataType
                                                                            .FLOAT_VALUE))));
        }
        return model.toBuilder().setGraph(graph).build();
    }

    /**
     * Averages {@code [heads][T][T]} over heads for the first {@code n} tokens into {@code out}.
     */
    static void averageHeads(float[][][] heads, int n, float[] out, int offset) {
        float inv = 1f / heads.length;
        for (float[][] head : heads) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    out[offset + i * n + j] += head[i][j] * inv;
                }
            }
        }
    }
}
