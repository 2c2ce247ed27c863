package io.flinkdistill.training;

import java.io.Serializable;

/**
 * The progressive distillation schedule of the design source, on an unbounded stream, measured in
 * samples over a cycle of {@code cycleSamples}:
 *
 * <ul>
 *   <li>warm-up (first 20 %): only the output heads train (classification head and feature
 *       projection);
 *   <li>feature alignment (next 50 %): the layers are released from the top down, one group after
 *       another (top layer with the final norm, ..., first layer, then the embeddings);
 *   <li>output refinement (last 30 %): everything trains and the temperature falls linearly from
 *       its configured value to 1;
 *   <li>continuous (after the cycle): everything trains at temperature 1, the learning rate follows
 *       cosine warm restarts (see {@link TrainerSettings#learningRateAt}).
 * </ul>
 *
 * A drift signal sends the trainer back to the start of feature alignment.
 */
public record ProgressiveSchedule(long cycleSamples, int layers, double temperature)
        implements Serializable {

    /** Where in the schedule a student is. */
    public enum Phase {
        WARMUP("warmup"),
        ALIGNMENT("alignment"),
        REFINEMENT("refinement"),
        CONTINUOUS("continuous");

        private final String label;

        Phase(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    static final double WARMUP_END = 0.2;
    static final double ALIGNMENT_END = 0.7;

    public ProgressiveSchedule {
        if (cycleSamples < 1 || layers < 1 || !(temperature > 0)) {
            throw new IllegalArgumentException(
                    "Invalid schedule: cycle "
                            + cycleSamples
                            + ", layers "
                            + layers
                            + ", temperature "
                            + temperature);
        }
    }

    /** Schedule position at which feature alignment starts (where drift sends a student back). */
    public long alignmentStart() {
        return (long) Math.ceil(WARMUP_END * cycleSamples);
    }

    public Phase phase(long position) {
        double f = position / (double) cycleSamples;
        if (f < WARMUP_END) {
            return Phase.WARMUP;
        }
        if (f < ALIGNMENT_END) {
            return Phase.ALIGNMENT;
        }
        return f < 1 ? Phase.REFINEMENT : Phase.CONTINUOUS;
    }

    /** Softmax temperature of the KL term at a position. */
    public double temperatureAt(long position) {
        double f = position / (double) cycleSamples;
        if (f < ALIGNMENT_END) {
            return temperature;
        }
        if (f >= 1) {
            return 1.0;
        }
        double g = (f - ALIGNMENT_END) / (1 - ALIGNMENT_END);
        return temperature + (1.0 - temperature) * g;
    }

    /**
     * Whether a parameter trains at a position. Groups from the top: 0 = output heads, 1 = top
     * layer and final norm, ..., {@code layers} = first layer, {@code layers + 1} = embeddings.
     */
    public boolean trains(String parameter, long position) {
        return group(parameter) < unfrozenGroups(position);
    }

    int unfrozenGroups(long position) {
        int all = layers + 2;
        double f = position / (double) cycleSamples;
        if (f < WARMUP_END) {
            return 1;
        }
        if (f >= ALIGNMENT_END) {
            return all;
        }
        double g = (f - WARMUP_END) / (ALIGNMENT_END - WARMUP_END);
        return Math.min(all, 2 + (int) Math.floor(g * (all - 1)));
    }

    int group(String parameter) {
        if (parameter.startsWith("head.") || parameter.startsWith("feature.proj.")) {
            return 0;
        }
        if (parameter.startsWith("final.")) {
            return 1;
        }
        if (parameter.startsWith("layer")) {
            int layer = Integer.parseInt(parameter.substring(5, parameter.indexOf('.')));
            return layers - layer;
        }
        return layers + 1;
    }
}
