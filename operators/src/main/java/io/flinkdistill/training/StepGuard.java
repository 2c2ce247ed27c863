package io.flinkdistill.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.flinkdistill.student.StudentModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Applies one step's gradients to the student, guarded: the global gradient norm is clipped to
 * {@link #MAX_GRADIENT_NORM}, a step whose loss or gradients are not finite is skipped (it would
 * poison the weights and the moments), and after too many skipped steps in a row the student goes
 * back to its last healthy state with half the learning rate.
 *
 * <p>Owns the counters of that guard (skipped steps, the learning-rate scale, the last good state);
 * the trainer owns the model and the optimizer it acts on.
 */
final class StepGuard {
    /** Gradients are rescaled to at most this global L2 norm (the usual guard for transformers). */
    static final double MAX_GRADIENT_NORM = 1.0;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StepGuard.class);

    private final String student;
    private final int maxConsecutiveSkips;
    private long skippedSteps;
    private int consecutiveSkips;

    /** Multiplies the scheduled learning rate; halved at each rollback after repeated bad steps. */
    private double learningRateScale = 1.0;

    /** The last state taken while training was healthy: where a rollback returns to. */
    private TrainerState lastGood;

    StepGuard(String student, int maxConsecutiveSkips) {
        this.student = student;
        this.maxConsecutiveSkips = maxConsecutiveSkips;
    }

    /** Puts back the guard's counters from a snapshot, which is also the last good state. */
    void restore(TrainerState state) {
        skippedSteps = state.skippedSteps();
        learningRateScale = state.learningRateScale();
        lastGood = state;
    }

    /**
     * Applies the gradients of the parameters {@code trains} selects (gradient mode must be off),
     * then clears every gradient for the next step. Returns false when the step was skipped.
     */
    boolean apply(
            StudentModel model,
            CheckpointableAdamW optimizer,
            Predicate<String> trains,
            NDManager step,
            double learningRate,
            float loss,
            long samplesTrained) {
        Map<String, NDArray> grads = new HashMap<>();
        NDArray normSquared = null;
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            if (!trains.test(e.getKey())) {
                continue;
            }
            NDArray g = e.getValue().getGradient();
            g.attach(step);
            grads.put(e.getKey(), g);
            NDArray squares = g.square().sum();
            normSquared = normSquared == null ? squares : normSquared.add(squares);
        }
        // One read-back per step rather than one per parameter.
        double norm = normSquared == null ? 0 : Math.sqrt(normSquared.getFloat());
        boolean applied = Double.isFinite(loss) && Double.isFinite(norm);
        if (applied) {
            if (norm > MAX_GRADIENT_NORM) {
                float scale = (float) (MAX_GRADIENT_NORM / norm);
                grads.values().forEach(g -> g.muli(scale));
            }
            optimizer.step(model.parameters(), grads, learningRate);
            consecutiveSkips = 0;
        } else {
            skippedSteps++;
            consecutiveSkips++;
            logSkip(grads, loss, norm, samplesTrained);
        }
        // PyTorch accumulates gradients across backward passes: clear them in place for the
        // next step (non-finite entries first, since NaN - NaN is still NaN).
        boolean finite = Double.isFinite(norm);
        for (NDArray g : grads.values()) {
            if (!finite) {
                g.set(g.isNaN().logicalOr(g.isInfinite()), 0f);
            }
            g.subi(g);
        }
        if (consecutiveSkips >= maxConsecutiveSkips) {
            rollBack(model, optimizer);
        }
        return applied;
    }

    private void logSkip(Map<String, NDArray> grads, float loss, double norm, long samplesTrained) {
        if (LOG.isDebugEnabled() || skippedSteps <= 3) {
            List<String> bad = new ArrayList<>();
            grads.forEach(
                    (n, g) -> {
                        if (g.isNaN().logicalOr(g.isInfinite()).any().getBoolean()) {
                            bad.add(n);
                        }
                    });
            LOG.warn("Non-finite gradients in {}", bad);
        }
        LOG.warn(
                "Student {} skipped a step at {} samples: loss {} gradient norm {} (skipped so far: {})",
                student,
                samplesTrained,
                loss,
                norm,
                skippedSteps);
    }

    /**
     * After too many non-finite steps in a row: back to the last healthy state's weights and
     * optimizer moments, with half the learning rate. Counters and buffered samples stay, so no
     * sample is counted twice.
     */
    private void rollBack(StudentModel model, CheckpointableAdamW optimizer) {
        learningRateScale *= 0.5;
        consecutiveSkips = 0;
        if (lastGood != null) {
            model.loadWeights(lastGood.weights());
            optimizer.restoreState(
                    lastGood.optimizerSteps(), lastGood.optimizerState(), model.parameters());
        }
        LOG.warn(
                "Student {} rolled back to its last good state (step {}) after {} bad steps in a row;"
                        + " learning rate scale now {}",
                student,
                lastGood == null ? "none" : lastGood.optimizerSteps(),
                maxConsecutiveSkips,
                learningRateScale);
    }

    /** A snapshot was taken: if training is healthy it is where a rollback returns to. */
    void snapshotTaken(TrainerState state) {
        if (consecutiveSkips == 0) {
            lastGood = state;
        }
    }

    long skippedSteps() {
        return skippedSteps;
    }

    double learningRateScale() {
        return learningRateScale;
    }
}
