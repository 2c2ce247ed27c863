package io.flinkdistill.teacher;

import java.io.IOException;

/**
 * Reads a teacher's token-embedding table out of its ONNX file (float, or uint8/int8 with a scale
 * and zero point as dynamic quantisation leaves it), so that a student can start from what the
 * teacher knows about words instead of from noise.
 */
public final class TeacherEmbeddings {
    private TeacherEmbeddings() {}

    /** The table as rows x dim, row-major. */
    public record Table(int rows, int dim, float[] values) {}

    /**
     * @param model a shipped encoder's id or a model location (see {@link ModelSource})
     */
    public static Table read(String model) throws IOException {
        return read(EncoderWeights.open(model));
    }

    static Table read(EncoderWeights weights) throws IOException {
        EncoderWeights.Tensor t = weights.tensor(weights.find("word_embeddings", 2));
        return new Table(t.dim(0), t.dim(1), t.values());
    }
}
