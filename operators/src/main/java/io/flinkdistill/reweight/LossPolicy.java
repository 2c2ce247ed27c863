package io.flinkdistill.reweight;

import java.io.Serializable;
import java.util.List;

/**
 * Decides new weights for the three distillation loss components from the recent metrics of a
 * student. Policies keep the sum of the active components' weights, move each weight by at most
 * {@link WeightSteps#MAX_STEP} per decision and never below {@link WeightSteps#FLOOR}.
 */
public interface LossPolicy extends Serializable {
    String name();

    /**
     * @param history the latest points, oldest first (the last is the record just emitted)
     * @param base the configured weights the job started with
     * @return new weights (soft, feature, attention), or null to leave them as they are
     */
    double[] next(List<LossPoint> history, double[] base);

    /** The policies by name; the message names the option and what is allowed. */
    static LossPolicy of(String name) {
        return switch (name) {
            case "fixed" -> new FixedPolicy();
            case "dwa" -> new DynamicWeightAverage(2.0);
            case "eval-guided" -> new EvalGuidedPolicy(0.5, 6);
            default ->
                    throw new IllegalArgumentException(
                            "Invalid option --loss-policy: '"
                                    + name
                                    + "'; allowed: fixed, dwa, eval-guided");
        };
    }
}
