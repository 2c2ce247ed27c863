package io.flinkdistill.reweight;

import java.util.List;

/**
 * Shifts weight towards the components whose decrease tracks rising agreement with the teacher:
 * over the last {@code window} records, the correlation {@code s_k} between a component's relative
 * loss decrease and the change of eval agreement; the target is {@code w_k exp(eta s_k)}, and the
 * weights step towards it (bounded steps, floors, same sum).
 */
public final class EvalGuidedPolicy implements LossPolicy {
    private static final long serialVersionUID = 1L;

    private final double eta;
    private final int window;

    public EvalGuidedPolicy(double eta, int window) {
        this.eta = eta;
        this.window = window;
    }

    @Override
    public String name() {
        return "eval-guided";
    }

    @Override
    public double[] next(List<LossPoint> history, double[] base) {
        int n = history.size();
        if (n < 4) {
            return null;
        }
        List<LossPoint> recent = history.subList(Math.max(0, n - window), n);
        LossPoint now = history.get(n - 1);
        double[] target = new double[3];
        for (int k = 0; k < 3; k++) {
            if (!now.active(k)) {
                continue;
            }
            int m = recent.size() - 1;
            double[] decrease = new double[m];
            double[] rise = new double[m];
            for (int i = 0; i < m; i++) {
                LossPoint a = recent.get(i);
                LossPoint b = recent.get(i + 1);
                decrease[i] =
                        a.losses()[k] > 0 && b.losses()[k] > 0
                                ? Math.log(a.losses()[k]) - Math.log(b.losses()[k])
                                : 0;
                rise[i] = b.agreement() - a.agreement();
            }
            target[k] = now.weights()[k] * Math.exp(eta * correlation(decrease, rise));
        }
        return WeightSteps.towards(now, target);
    }

    /** Pearson correlation, 0 when either side does not vary. */
    static double correlation(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx <= 1e-18 || syy <= 1e-18 ? 0 : sxy / Math.sqrt(sxx * syy);
    }
}
