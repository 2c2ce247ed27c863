package io.flinkdistill.student;

import java.io.Serializable;

/**
 * Shape of a student transformer. The token embedding is factorised (vocab x embedDim, then a
 * projection to hidden) because a full-width embedding over a 30k vocabulary would be most of the
 * student's parameters and half of each optimizer step.
 */
public record StudentConfig(
        int vocabSize,
        int embedDim,
        int hidden,
        int layers,
        int heads,
        int ffn,
        int maxTokens,
        int numClasses,
        int teacherDim,
        float dropout,
        long seed)
        implements Serializable {

    public StudentConfig {
        require(vocabSize > 0, "vocabSize", vocabSize);
        require(embedDim > 0, "embedDim", embedDim);
        require(hidden > 0 && hidden % heads == 0, "hidden (a multiple of heads)", hidden);
        require(layers > 0, "layers", layers);
        require(heads > 0, "heads", heads);
        require(ffn > 0, "ffn", ffn);
        require(maxTokens > 1, "maxTokens", maxTokens);
        require(numClasses >= 2, "numClasses", numClasses);
        require(teacherDim > 0, "teacherDim", teacherDim);
        require(dropout >= 0 && dropout < 1, "dropout in [0, 1)", dropout);
    }

    /** This student with another embedding width, hidden size, head count and FFN width. */
    public StudentConfig withShape(int embedDim, int hidden, int heads, int ffn) {
        return new StudentConfig(
                vocabSize,
                embedDim,
                hidden,
                layers,
                heads,
                ffn,
                maxTokens,
                numClasses,
                teacherDim,
                dropout,
                seed);
    }

    /** The default student for a teacher with a BERT vocabulary: H128, 2 layers, 4 heads. */
    public static StudentConfig small(int vocabSize, int numClasses, int teacherDim, long seed) {
        return new StudentConfig(
                vocabSize, 64, 128, 2, 4, 512, 64, numClasses, teacherDim, 0.1f, seed);
    }

    private static void require(boolean ok, String what, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("Invalid student " + what + ": " + value);
        }
    }
}
