package io.flinkdistill.loss;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The terms of the distillation loss by name: the key a {@code SET_LOSS_WEIGHTS} command, the
 * evaluator's decisions and the metrics use for each, and its weight in {@link LossWeights}.
 */
public enum LossComponent {
    /** Temperature-scaled KL on logits (alpha). */
    SOFT,
    /** MSE between projected student and teacher features (beta). */
    FEATURE,
    /** Attention transfer (gamma). */
    ATTENTION,
    /** Cross-entropy on gold labels. */
    HARD;

    /** The three distillation terms the evaluator re-weights, in this order. */
    public static final List<LossComponent> DISTILLATION = List.of(SOFT, FEATURE, ATTENTION);

    /** The name in commands and decisions: {@code soft}, {@code feature}, ... */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** This term's weight in {@code w}. */
    public double of(LossWeights w) {
        return switch (this) {
            case SOFT -> w.soft();
            case FEATURE -> w.feature();
            case ATTENTION -> w.attention();
            case HARD -> w.hard();
        };
    }

    /** The component named {@code key}, or null. */
    public static LossComponent byKey(String key) {
        for (LossComponent c : values()) {
            if (c.key().equals(key)) {
                return c;
            }
        }
        return null;
    }

    /**
     * {@code now} with the weights {@code values} names (by key) replaced; the temperature and the
     * components it leaves out stay.
     */
    public static LossWeights apply(Map<String, Double> values, LossWeights now) {
        return new LossWeights(
                values.getOrDefault(SOFT.key(), now.soft()),
                values.getOrDefault(FEATURE.key(), now.feature()),
                values.getOrDefault(ATTENTION.key(), now.attention()),
                values.getOrDefault(HARD.key(), now.hard()),
                now.temperature());
    }
}
