package io.flinkdistill.student;

import java.io.Serializable;

/**
 * Shape of a student. The token embedding is factorised (vocab x embedDim, then a projection to
 * hidden) because a full-width embedding over a 30k vocabulary would be most of the student's
 * parameters and half of each optimizer step. {@link Family#TRANSFORMER} mixes tokens by
 * self-attention over learned positions; {@link Family#CNN} by a depthwise convolution of width
 * {@code kernel} (no positions, no attention maps); {@link Family#BERT} by self-attention in BERT's
 * post-LayerNorm order, so that pre-trained layers can be loaded. All have the same feed-forward
 * blocks, mean pooling and heads.
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
        long seed,
        Family family,
        int kernel)
        implements Serializable {

    /** How a student mixes information across tokens. */
    public enum Family {
        /** Pre-LayerNorm self-attention over learned position embeddings. */
        TRANSFORMER,
        /** Depthwise 1-D convolution over the token axis ("same" padding, masked), no positions. */
        CNN,
        /**
         * Post-LayerNorm self-attention as in BERT (a LayerNorm after the embeddings and after each
         * residual sum, no final one), so that the layers of a pre-trained BERT-family encoder can
         * be loaded as they are ({@code PretrainedStudent}).
         */
        BERT;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The family a label names, e.g. {@code cnn}. */
        public static Family of(String label) {
            for (Family f : values()) {
                if (f.label().equals(label)) {
                    return f;
                }
            }
            throw new IllegalArgumentException(
                    "Unknown student family '" + label + "' (transformer, cnn or bert)");
        }
    }

    /** Convolution width of a {@link Family#CNN} student unless one is named. */
    public static final int DEFAULT_KERNEL = 5;

    /** A transformer student (the shape every caller had before the families). */
    public StudentConfig(
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
            long seed) {
        this(
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
                seed,
                Family.TRANSFORMER,
                DEFAULT_KERNEL);
    }

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
        require(family != null, "family", family);
        require(kernel >= 1 && kernel % 2 == 1, "kernel (odd, at least 1)", kernel);
    }

    /** Whether this student has attention maps to align with the teacher's. */
    public boolean hasAttention() {
        return family != Family.CNN;
    }

    /** Whether LayerNorm follows each residual sum (BERT) rather than opening each block. */
    public boolean postNorm() {
        return family == Family.BERT;
    }

    /**
     * LayerNorm epsilon: BERT's 1e-12 for {@link Family#BERT}, so loaded layers compute as they
     * did; 1e-5 otherwise.
     */
    public float layerNormEpsilon() {
        return postNorm() ? 1e-12f : 1e-5f;
    }

    /** This student as another family (the kernel matters to {@link Family#CNN} only). */
    public StudentConfig withFamily(Family family, int kernel) {
        return with(embedDim, hidden, heads, ffn, family, kernel);
    }

    /** This student with another embedding width, hidden size, head count and FFN width. */
    public StudentConfig withShape(int embedDim, int hidden, int heads, int ffn) {
        return with(embedDim, hidden, heads, ffn, family, kernel);
    }

    private StudentConfig with(
            int embedDim, int hidden, int heads, int ffn, Family family, int kernel) {
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
                seed,
                family,
                kernel);
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
