package io.flinkdistill.teacher;

import java.io.Serializable;

/**
 * Options of the teacher operator, validated on construction.
 *
 * @param model id of a shipped encoder (see {@link ShippedEncoder})
 * @param head the fitted {@link LinearHead}, shipped inside the job graph so no task reads a file
 * @param batchSize a micro-batch closes at this many samples
 * @param maxLatencyMillis or when its oldest sample has waited this long
 * @param threads ONNX Runtime intra-op threads per slot
 * @param maxTokens inputs are truncated to this many tokens
 * @param studentName the student the scored samples are routed to
 * @param attentionStudentLayers when > 0, the teacher also sends head-averaged attention maps of
 *     this many evenly spaced layers (one per student layer) for attention transfer
 */
public record TeacherSettings(
        String model,
        LinearHead head,
        int batchSize,
        long maxLatencyMillis,
        int threads,
        int maxTokens,
        String studentName,
        int attentionStudentLayers)
        implements Serializable {

    public TeacherSettings {
        ShippedEncoder.byId(model);
        if (head == null) {
            throw new IllegalArgumentException(
                    "a teacher head is required (fit one with distill fit-head)");
        }
        if (!head.encoder.equals(model)) {
            throw new IllegalArgumentException(
                    "teacher head was fitted on "
                            + head.encoder
                            + " but the teacher model is "
                            + model);
        }
        if (batchSize < 1 || maxLatencyMillis < 1 || threads < 1 || maxTokens < 8) {
            throw new IllegalArgumentException(
                    "teacher batch size, latency, threads must be >= 1 and max tokens >= 8; got "
                            + batchSize
                            + ", "
                            + maxLatencyMillis
                            + ", "
                            + threads
                            + ", "
                            + maxTokens);
        }
    }
}
