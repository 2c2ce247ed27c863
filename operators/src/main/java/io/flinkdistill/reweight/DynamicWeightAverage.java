package io.flinkdistill.reweight;

import java.util.List;

/**
 * Dynamic Weight Average (Liu et al., 2019) around the configured weights: a component whose loss
 * falls more slowly than the others gets more weight. With {@code r_k} the ratio of the mean loss
 * over the last two records to the mean over the two before, the target is {@code base_k exp(r_k /
 * T)}, normalised to the active weights' sum; the weights then step towards it.
 */
public final class DynamicWeightAverage implements LossPolicy {
    private static final long serialVersionUID = 1L;

    private final double temperature;

    public DynamicWeightAverage(double temperature) {
        this.temperature = temperature;
    }

    @Override
    public String name() {
        return "dwa";
    }

    @Override
    public double[] next(List<LossPoint> history, double[] base) {
        int n = history.size();
        if (n < 4) {
            return null;
        }
        LossPoint now = history.get(n - 1);
        double[] target = new double[3];
        for (int k = 0; k < 3; k++) {
            if (!now.active(k)) {
                continue;
            }
            double recent = (history.get(n - 1).losses()[k] + history.get(n - 2).losses()[k]) / 2;
            double before = (history.get(n - 3).losses()[k] + history.get(n - 4).losses()[k]) / 2;
            double ratio = before > 0 ? recent / before : 1;
            target[k] = base[k] * Math.exp(ratio / temperature);
        }
        return WeightSteps.towards(now, target);
    }
}
