package io.flinkdistill.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.student.StudentModel;
import java.util.List;
import java.util.function.Predicate;

/**
 * One optimizer step on a batch: the distillation loss forward, backward on this thread, then the
 * guarded update ({@link StepGuard}), timed by phase ({@link StepTimings}).
 */
final class DistillationStep {
    private final DistillationObjective objective;
    private final StepGuard guard;
    private final StepTimings timings = new StepTimings();
    private final long seed;

    DistillationStep(TrainerSettings settings, StepGuard guard) {
        this.objective = new DistillationObjective(settings);
        this.guard = guard;
        this.seed = settings.student().seed();
    }

    /**
     * Trains {@code model} on {@code batch}: the parameters {@code trains} selects learn at {@code
     * learningRate}; the others stay as they are.
     */
    StepLosses take(
            NDManager parent,
            StudentModel model,
            CheckpointableAdamW optimizer,
            List<ScoredSample> batch,
            LossWeights weights,
            float temperature,
            Predicate<String> trains,
            double learningRate,
            long samplesTrained) {
        // Dropout draws from libtorch's global generator: seed it from the step so that a
        // restored trainer takes exactly the step the original would have taken.
        Engine.getEngine("PyTorch").setRandomSeed((int) (seed * 1_000_003L + optimizer.steps()));
        try (NDManager step = parent.newSubManager()) {
            model.setTraining(trains);
            long started = System.nanoTime();
            long backwardStarted;
            StepLosses losses;
            try (ThreadGradients collector = new ThreadGradients()) {
                DistillationObjective.Terms terms =
                        objective.compute(step, model, batch, weights, temperature);
                NDArray loss = terms.total();
                backwardStarted = System.nanoTime();
                collector.backward(loss);
                losses =
                        new StepLosses(
                                loss.getFloat(),
                                terms.soft().getFloat(),
                                terms.feature().getFloat(),
                                terms.hard().getFloat(),
                                terms.attention() == null ? 0f : terms.attention().getFloat(),
                                learningRate);
            }
            // In-place updates of parameters must run without grad mode (per thread, on by
            // default).
            JniUtils.setGradMode(false);
            long optimizerStarted = System.nanoTime();
            guard.apply(
                    model,
                    optimizer,
                    trains,
                    step,
                    learningRate,
                    (float) losses.total(),
                    samplesTrained);
            timings.add(
                    backwardStarted - started,
                    optimizerStarted - backwardStarted,
                    System.nanoTime() - optimizerStarted);
            return losses;
        }
    }

    StepGuard guard() {
        return guard;
    }

    StepTimings timings() {
        return timings;
    }
}
