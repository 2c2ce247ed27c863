package io.flinkdistill.loss;

import java.io.Serializable;

/**
 * Weights of the triple loss: alpha on the soft-logit KL, beta on feature MSE, gamma on attention
 * transfer, plus the weight of cross-entropy on the few gold labels and the temperature tau.
 */
public record LossWeights(
        double soft, double feature, double attention, double hard, double temperature)
        implements Serializable {

    public LossWeights {
        check(soft, "soft (alpha)");
        check(feature, "feature (beta)");
        check(attention, "attention (gamma)");
        check(hard, "hard");
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("Loss temperature must be > 0, got " + temperature);
        }
    }

    /** The design source's defaults: alpha 0.5, beta 0.3, gamma 0.2, tau 3; CE on labels 0.5. */
    public static LossWeights defaults() {
        return new LossWeights(0.5, 0.3, 0.2, 0.5, 3.0);
    }

    private static void check(double w, String name) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("Loss weight " + name + " must be >= 0, got " + w);
        }
    }

    /** Writes the five values in order (the layout every state format uses). */
    public void writeTo(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeDouble(soft);
        out.writeDouble(feature);
        out.writeDouble(attention);
        out.writeDouble(hard);
        out.writeDouble(temperature);
    }

    /** Reads what {@link #writeTo} wrote. */
    public static LossWeights readFrom(java.io.DataInputStream in) throws java.io.IOException {
        return new LossWeights(
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble());
    }
}
