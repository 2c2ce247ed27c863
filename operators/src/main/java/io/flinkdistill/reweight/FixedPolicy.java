package io.flinkdistill.reweight;

import java.util.List;

/** The configured weights, never changed (the design source's 0.5 / 0.3 / 0.2 by default). */
public final class FixedPolicy implements LossPolicy {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return "fixed";
    }

    @Override
    public double[] next(List<LossPoint> history, double[] base) {
        return null;
    }
}
