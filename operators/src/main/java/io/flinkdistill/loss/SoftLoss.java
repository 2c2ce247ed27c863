package io.flinkdistill.loss;

import ai.djl.ndarray.NDArray;

/**
 * How the soft term compares the student's logits with the teacher's ({@code --soft-loss}). {@link
 * #KL} matches the temperature-softened distributions (Hinton et al.); {@link #MSE} matches the
 * logits themselves, as Tang et al. 2019 did when distilling BERT into a BiLSTM (no temperature: at
 * a high temperature the KL term tends to the same thing).
 */
public enum SoftLoss {
    /** {@link DistillationLoss#softKl}, at the trainer's temperature. */
    KL,
    /** {@link DistillationLoss#logitMse}; the temperature is not used. */
    MSE;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The soft term of these logits [B, C] (the teacher's without gradient). */
    public NDArray of(NDArray student, NDArray teacher, float temperature) {
        return of(student, teacher, temperature, null);
    }

    /** The soft term with a weight per row ([B], mean 1 over the batch, or null). */
    public NDArray of(NDArray student, NDArray teacher, float temperature, NDArray rowWeights) {
        return this == KL
                ? DistillationLoss.softKl(student, teacher, temperature, rowWeights)
                : DistillationLoss.logitMse(student, teacher, rowWeights);
    }
}
