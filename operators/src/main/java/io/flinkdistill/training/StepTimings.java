package io.flinkdistill.training;

/**
 * Accumulated wall time of training steps, split into forward (with the loss), backward and
 * optimizer.
 */
public final class StepTimings {
    private long steps;
    private long forwardNanos;
    private long backwardNanos;
    private long optimizerNanos;

    void add(long forward, long backward, long optimizer) {
        steps++;
        forwardNanos += forward;
        backwardNanos += backward;
        optimizerNanos += optimizer;
    }

    public long steps() {
        return steps;
    }

    public double forwardMillis() {
        return perStep(forwardNanos);
    }

    public double backwardMillis() {
        return perStep(backwardNanos);
    }

    /** Gradient read-out, clipping, the AdamW update and clearing the gradients. */
    public double optimizerMillis() {
        return perStep(optimizerNanos);
    }

    public void reset() {
        steps = forwardNanos = backwardNanos = optimizerNanos = 0;
    }

    private double perStep(long nanos) {
        return steps == 0 ? 0 : nanos / 1e6 / steps;
    }
}
