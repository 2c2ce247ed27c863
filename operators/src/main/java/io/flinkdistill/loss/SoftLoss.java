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
        return this == KL
                ? DistillationLoss.softKl(student, teacher, temperature)
                : DistillationLoss.logitMse(student, teacher);
    }
}
