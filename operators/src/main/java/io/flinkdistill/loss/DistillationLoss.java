package io.flinkdistill.loss;

import ai.djl.ndarray.NDArray;
import io.flinkdistill.student.NativeArrays;

/**
 * The distillation loss terms, on DJL arrays so that gradients flow. DJL has no KL-divergence loss;
 * these are written out from their definitions and tested against hand-computed values. Every
 * function returns a scalar averaged over the batch. Scalar factors are arrays, never numbers (see
 * {@link NativeArrays}).
 */
public final class DistillationLoss {
    private DistillationLoss() {}

    /**
     * Temperature-softened KL divergence, scaled by tau^2 as in Hinton et al. so that its gradient
     * magnitude does not shrink as tau grows: {@code tau^2 * KL(softmax(t/tau) || softmax(s/tau))}.
     *
     * @param student student logits [B, C]
     * @param teacher teacher logits [B, C] (no gradient)
     */
    public static NDArray softKl(NDArray student, NDArray teacher, float tau) {
        NDArray inverseTau = NativeArrays.scalar(student, 1f / tau);
        NDArray logPt = teacher.mul(inverseTau).logSoftmax(1);
        NDArray logPs = student.mul(inverseTau).logSoftmax(1);
        NDArray kl = logPt.exp().mul(logPt.sub(logPs)).sum(new int[] {1});
        return kl.mean().mul(NativeArrays.scalar(student, tau * tau));
    }

    /** Mean squared error between projected student features and teacher features, [B, D] each. */
    public static NDArray featureMse(NDArray student, NDArray teacher) {
        return student.sub(teacher).square().mean();
    }

    /**
     * Cross-entropy on gold labels for the labelled rows only; {@code labels[b] < 0} marks an
     * unlabelled row. Averaged over the whole batch, so a batch with few labels contributes little.
     */
    public static NDArray hardCrossEntropy(NDArray student, int[] labels) {
        int classes = (int) student.getShape().get(1);
        float[] oneHot = new float[labels.length * classes];
        for (int b = 0; b < labels.length; b++) {
            if (labels[b] >= 0) {
                oneHot[b * classes + labels[b]] = 1f;
            }
        }
        NDArray target = NativeArrays.owned(student.getManager(), oneHot, student.getShape());
        return student.logSoftmax(1)
                .mul(target)
                .sum()
                .mul(NativeArrays.scalar(student, -1f / labels.length));
    }
}
