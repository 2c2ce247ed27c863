package io.flinkdistill.training;

import java.util.function.Predicate;

/**
 * Where a trainer is in its schedule: the position, in samples trained, that the learning-rate
 * cycle and the progressive phases follow (drift moves it back); the temperature the next step uses
 * (a control command's override, the progressive schedule's, or the loss weights'); and which
 * parameters train at the current phase.
 */
public final class TrainerSchedule {
    private final TrainerSettings settings;
    private long position;
    private double lastLearningRate;

    /** Temperature set by a control command (NaN: the schedule or the settings decide). */
    private double temperatureOverride = Double.NaN;

    TrainerSchedule(TrainerSettings settings) {
        this.settings = settings;
    }

    void restore(long restoredPosition) {
        position = restoredPosition;
    }

    /** Moves on by the stream samples a step trained on (augmented variants do not count). */
    void advance(long samples) {
        position += samples;
    }

    /** The learning rate of the step about to be taken, with the guard's scale applied. */
    double learningRate(long optimizerSteps, double scale) {
        lastLearningRate = settings.learningRateAt(optimizerSteps, position) * scale;
        return lastLearningRate;
    }

    /** The parameters that train at the current position. */
    Predicate<String> trains() {
        if (!settings.progressive()) {
            return name -> true;
        }
        ProgressiveSchedule schedule = settings.schedule();
        long at = position;
        return name -> schedule.trains(name, at);
    }

    /** Position in the schedule, in stream samples trained since the last restart. */
    public long position() {
        return position;
    }

    /** The learning rate of the last step taken. */
    public double lastLearningRate() {
        return lastLearningRate;
    }

    /** The schedule phase the next step trains in. */
    public ProgressiveSchedule.Phase phase() {
        return settings.schedule().phase(position);
    }

    /** The phase as metrics show it: the progressive phase, or "cosine" without that schedule. */
    public String phaseLabel() {
        return settings.progressive() ? phase().label() : "cosine";
    }

    /** The temperature the next step uses, given the trainer's current loss weights' own. */
    double temperature(double weightsTemperature) {
        if (!Double.isNaN(temperatureOverride)) {
            return temperatureOverride;
        }
        return settings.progressive()
                ? settings.schedule().temperatureAt(position)
                : weightsTemperature;
    }

    /** Fixes the KL temperature (a control command) or, with NaN, gives it back to the schedule. */
    void setTemperatureOverride(double temperature) {
        if (!Double.isNaN(temperature) && !(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        this.temperatureOverride = temperature;
    }

    /**
     * Drift: the data moved away from what the student learned. Back to the start of feature
     * alignment with the progressive schedule, so that the body adapts again; with {@code
     * --restart-on-drift}, back to the start of the learning-rate cycle.
     */
    public void reenterAlignment() {
        if (settings.progressive()) {
            position = Math.min(position, settings.schedule().alignmentStart());
        } else if (settings.restartOnDrift()) {
            position = 0;
        }
    }
}
