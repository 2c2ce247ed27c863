package io.flinkdistill.teacher;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a teacher's spec maps onto its model's real inputs and outputs, checked once at open: every
 * named input is an int64 tensor and every input of the model is fed; the hidden output (named, or
 * {@code last_hidden_state}, or the first of rank 3 then 2) and the logits are float tensors of the
 * right rank. A mismatch fails with a message naming the key and listing what the model has.
 *
 * @param tokenTypes the token-type input to feed zeros to, or null when the model has none
 * @param hiddenOutput the output pooled into the sample's embedding
 * @param pooledOutput whether that output is already pooled ([batch, hidden])
 * @param hiddenSize its last dimension
 */
record TeacherSignature(
        String tokenTypes, String hiddenOutput, boolean pooledOutput, int hiddenSize) {

    /**
     * Checks {@code spec} against the session's {@code inputs} and {@code outputs}; {@code
     * attentionOutputs} are never taken for the hidden output.
     *
     * @throws IllegalArgumentException naming the teacher, the key and what the model has
     */
    static TeacherSignature check(
            TeacherSpec spec,
            Map<String, NodeInfo> inputs,
            Map<String, NodeInfo> outputs,
            List<String> attentionOutputs) {
        Checker c = new Checker(spec);
        c.checkInput(inputs, spec.inputIds(), "input-ids");
        if (spec.attentionMask() != null) {
            c.checkInput(inputs, spec.attentionMask(), "attention-mask");
        }
        if (spec.tokenTypeIds() != null && spec.tokenTypeIdsExplicit()) {
            c.checkInput(inputs, spec.tokenTypeIds(), "token-type-ids");
        }
        String tokenTypes =
                spec.tokenTypeIds() != null && inputs.containsKey(spec.tokenTypeIds())
                        ? spec.tokenTypeIds()
                        : null;
        Set<String> fed = new LinkedHashSet<>();
        fed.add(spec.inputIds());
        if (spec.attentionMask() != null) {
            fed.add(spec.attentionMask());
        }
        if (tokenTypes != null) {
            fed.add(tokenTypes);
        }
        for (String name : inputs.keySet()) {
            if (!fed.contains(name)) {
                throw c.fail(
                        "the model needs input '"
                                + name
                                + "' that no key feeds (input-ids="
                                + spec.inputIds()
                                + ", attention-mask="
                                + spec.attentionMask()
                                + ", token-type-ids="
                                + spec.tokenTypeIds()
                                + "); its inputs are: "
                                + describe(inputs));
            }
        }
        String hiddenOutput = c.chooseOutput(outputs, attentionOutputs);
        long[] shape = shapeOf(outputs.get(hiddenOutput));
        if (spec.logits() != null) {
            c.checkLogits(outputs);
        }
        return new TeacherSignature(
                tokenTypes, hiddenOutput, shape.length == 2, (int) shape[shape.length - 1]);
    }

    /** The checks, each failing with the teacher's name in front. */
    private record Checker(TeacherSpec spec) {
        IllegalArgumentException fail(String message) {
            return new IllegalArgumentException("teacher '" + spec.name() + "': " + message);
        }

        void checkLogits(Map<String, NodeInfo> outputs) {
            long[] logitShape = checkOutput(outputs, spec.logits(), "logits");
            long classes = logitShape[logitShape.length - 1];
            if (logitShape.length != 2 || (classes > 0 && classes != spec.classes().size())) {
                throw fail(
                        "logits output '"
                                + spec.logits()
                                + "' has shape "
                                + Arrays.toString(logitShape)
                                + " but "
                                + spec.classes().size()
                                + " classes were named (classes="
                                + String.join(";", spec.classes())
                                + ")");
            }
        }

        String chooseOutput(Map<String, NodeInfo> outputs, List<String> attentionOutputs) {
            if (spec.output() != null) {
                long[] shape = checkOutput(outputs, spec.output(), "output");
                if (shape.length != 2 && shape.length != 3) {
                    throw fail(
                            "output '"
                                    + spec.output()
                                    + "' has shape "
                                    + Arrays.toString(shape)
                                    + "; it must be [batch, tokens, hidden] or [batch, hidden]");
                }
                return spec.output();
            }
            if (outputs.containsKey("last_hidden_state")) {
                return "last_hidden_state";
            }
            for (String rank : new String[] {"3", "2"}) {
                for (Map.Entry<String, NodeInfo> e : outputs.entrySet()) {
                    if (e.getKey().equals(spec.logits()) || attentionOutputs.contains(e.getKey())) {
                        continue;
                    }
                    long[] shape = shapeOf(e.getValue());
                    if (shape != null && Integer.toString(shape.length).equals(rank)) {
                        return e.getKey();
                    }
                }
            }
            throw fail(
                    "no output of shape [batch, tokens, hidden] or [batch, hidden]; name one with"
                            + " output=...; the model's outputs are: "
                            + describe(outputs));
        }

        long[] checkOutput(Map<String, NodeInfo> outputs, String name, String key) {
            NodeInfo info = outputs.get(name);
            long[] shape = info == null ? null : shapeOf(info);
            if (shape == null || ((TensorInfo) info.getInfo()).type != OnnxJavaType.FLOAT) {
                throw fail(
                        key
                                + "="
                                + name
                                + " is not a float tensor output of the model; its outputs are: "
                                + describe(outputs));
            }
            return shape;
        }

        void checkInput(Map<String, NodeInfo> inputs, String name, String key) {
            NodeInfo info = inputs.get(name);
            if (info == null) {
                throw fail(
                        key
                                + "="
                                + name
                                + " is not an input of the model; its inputs are: "
                                + describe(inputs));
            }
            if (!(info.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.INT64) {
                throw fail(
                        key
                                + "="
                                + name
                                + " must be an int64 tensor; the model's inputs are: "
                                + describe(inputs));
            }
        }
    }

    private static long[] shapeOf(NodeInfo info) {
        return info.getInfo() instanceof TensorInfo t ? t.getShape() : null;
    }

    private static String describe(Map<String, NodeInfo> nodes) {
        return nodes.entrySet().stream()
                .map(
                        e ->
                                e.getValue().getInfo() instanceof TensorInfo t
                                        ? e.getKey()
                                                + " "
                                                + t.type.name().toLowerCase(Locale.ROOT)
                                                + Arrays.toString(t.getShape())
                                        : e.getKey())
                .collect(Collectors.joining(", "));
    }
}
