package io.flinkdistill.reweight;

import io.flinkdistill.schemas.DistillMetrics;

/**
 * What a reweighting policy sees of one metrics record: the unweighted loss components and their
 * weights, both in the order of {@link io.flinkdistill.loss.LossComponent#DISTILLATION} (soft KL,
 * feature MSE, attention), and the eval agreement with the teacher.
 */
public record LossPoint(long step, double[] losses, double[] weights, double agreement) {
    public static LossPoint of(DistillMetrics m) {
        return new LossPoint(
                m.getStep(),
                new double[] {m.getLossSoft(), m.getLossFeature(), m.getLossAttention()},
                new double[] {m.getWeightSoft(), m.getWeightFeature(), m.getWeightAttention()},
                m.getEvalAgreement());
    }

    /** A component takes part when it has weight and a measured loss. */
    public boolean active(int k) {
        return weights[k] > 0 && losses[k] > 0 && Double.isFinite(losses[k]);
    }
}
