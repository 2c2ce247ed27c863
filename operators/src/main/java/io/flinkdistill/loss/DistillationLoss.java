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
        return softKl(student, teacher, tau, null);
    }

    /**
     * {@link #softKl(NDArray, NDArray, float)} with a weight per row.
     *
     * @param rowWeights [B], mean 1 over the batch, or null for equal rows
     */
    public static NDArray softKl(NDArray student, NDArray teacher, float tau, NDArray rowWeights) {
        NDArray inverseTau = NativeArrays.scalar(student, 1f / tau);
        NDArray logPt = teacher.mul(inverseTau).logSoftmax(1);
        NDArray logPs = student.mul(inverseTau).logSoftmax(1);
        NDArray kl = logPt.exp().mul(logPt.sub(logPs)).sum(new int[] {1});
        return weighted(kl, rowWeights).mean().mul(NativeArrays.scalar(student, tau * tau));
    }

    private static NDArray weighted(NDArray perRow, NDArray rowWeights) {
        return rowWeights == null ? perRow : perRow.mul(rowWeights);
    }

    /**
     * Squared distance between student and teacher logits, summed over classes and averaged over
     * the batch: {@code mean_b ||s_b - t_b||^2} (Tang et al. 2019's distillation objective).
     *
     * @param student student logits [B, C]
     * @param teacher teacher logits [B, C] (no gradient)
     */
    public static NDArray logitMse(NDArray student, NDArray teacher) {
        return logitMse(student, teacher, null);
    }

    /** {@link #logitMse(NDArray, NDArray)} with a weight per row ([B], mean 1, or null). */
    public static NDArray logitMse(NDArray student, NDArray teacher, NDArray rowWeights) {
        return weighted(student.sub(teacher).square().sum(new int[] {1}), rowWeights).mean();
    }

    /** Mean squared error between projected student features and teacher features, [B, D] each. */
    public static NDArray featureMse(NDArray student, NDArray teacher) {
        return student.sub(teacher).square().mean();
    }

    /** {@link #featureMse(NDArray, NDArray)} with a weight per row ([B], mean 1, or null). */
    public static NDArray featureMse(NDArray student, NDArray teacher, NDArray rowWeights) {
        if (rowWeights == null) {
            return featureMse(student, teacher);
        }
        return student.sub(teacher).square().mean(new int[] {1}).mul(rowWeights).mean();
    }

    /**
     * Cross-entropy on gold labels for the labelled rows only; {@code labels[b] < 0} marks an
     * unlabelled row. Averaged over the whole batch, so a batch with few labels contributes little.
     */
    public static NDArray hardCrossEntropy(NDArray student, int[] labels) {
        return hardCrossEntropy(student, labels, null);
    }

    /**
     * {@link #hardCrossEntropy(NDArray, int[])} with a weight per row ([B], mean 1 over the whole
     * batch, or null).
     */
    public static NDArray hardCrossEntropy(NDArray student, int[] labels, NDArray rowWeights) {
        int classes = (int) student.getShape().get(1);
        float[] oneHot = new float[labels.length * classes];
        for (int b = 0; b < labels.length; b++) {
            if (labels[b] >= 0) {
                oneHot[b * classes + labels[b]] = 1f;
            }
        }
        NDArray target = NativeArrays.owned(student.getManager(), oneHot, student.getShape());
        NDArray logLikelihood = student.logSoftmax(1).mul(target);
        NDArray total =
                rowWeights == null
                        ? logLikelihood.sum()
                        : logLikelihood.sum(new int[] {1}).mul(rowWeights).sum();
        return total.mul(NativeArrays.scalar(student, -1f / labels.length));
    }

    /**
     * Attention transfer: 1 - cosine similarity between each query row of the student's and the
     * teacher's attention maps, averaged over the real (unpadded) query rows and over layers.
     *
     * @param student per student layer, the head-averaged map [B, T, T]
     * @param teacher the mapped teacher layers' head-averaged maps [L, B, T, T], zero-padded
     * @param rowMask 1 for real query rows, 0 for padding [B, T]
     */
    public static NDArray attentionCosine(
            java.util.List<NDArray> student, NDArray teacher, NDArray rowMask) {
        return attentionCosine(student, teacher, rowMask, rowMask);
    }

    /**
     * Attention transfer with a weight per query row: {@code sum(weight * (1 - cos)) /
     * sum(rowMask)}, so rows of down-weighted samples (0 <= weight <= 1) count less without the
     * others counting more.
     *
     * @param rowWeight the weight of each row [B, T], 0 on padding
     */
    public static NDArray attentionCosine(
            java.util.List<NDArray> student, NDArray teacher, NDArray rowMask, NDArray rowWeight) {
        NDArray eps = NativeArrays.scalar(rowMask, 1e-8f);
        NDArray rows = rowMask.sum();
        NDArray weighted = rowWeight.sum();
        NDArray total = null;
        for (int l = 0; l < student.size(); l++) {
            NDArray s = student.get(l);
            NDArray t = teacher.get(l);
            NDArray dot = s.mul(t).sum(new int[] {2});
            NDArray norms =
                    s.square().sum(new int[] {2}).sqrt().mul(t.square().sum(new int[] {2}).sqrt());
            NDArray cosine = dot.div(norms.add(eps)).mul(rowWeight).sum();
            NDArray layerLoss = weighted.sub(cosine).div(rows);
            total = total == null ? layerLoss : total.add(layerLoss);
        }
        return total.mul(NativeArrays.scalar(rowMask, 1f / student.size()));
    }
}
