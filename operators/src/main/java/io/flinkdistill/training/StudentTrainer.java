package io.flinkdistill.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.evaluation.StudentEvaluator;
import io.flinkdistill.loss.DistillationLoss;
import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.student.NativeArrays;
import io.flinkdistill.student.StudentModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains one student from teacher-scored samples, independent of Flink: buffers training samples
 * into batches, takes AdamW steps on the distillation loss, keeps a sliding window of eval-slice
 * samples, and can export and restore its complete state ({@link TrainerState}).
 *
 * <p>Owns the student and optimizer native memory; {@link #close()} frees it.
 */
public final class StudentTrainer implements AutoCloseable {
    private final String name;
    private final TrainerSettings settings;
    private final NDManager manager;
    private final StudentModel model;
    private final CheckpointableAdamW optimizer;
    private final List<ScoredSample> pending = new ArrayList<>();
    private final ArrayDeque<ScoredSample> evalWindow = new ArrayDeque<>();
    private final LossTotals totals = new LossTotals();

    /** Gradients are rescaled to at most this global L2 norm (the usual guard for transformers). */
    static final double MAX_GRADIENT_NORM = 1.0;

    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(StudentTrainer.class);

    private LossWeights lossWeights;
    private long skippedSteps;
    private long samplesTrained;
    private long evalSamplesSeen;
    private double lastLearningRate;

    public StudentTrainer(String name, TrainerSettings settings) {
        this.name = name;
        this.settings = settings;
        this.manager = Engine.getEngine("PyTorch").newBaseManager();
        this.model = StudentModel.create(settings.student(), manager);
        this.optimizer = new CheckpointableAdamW(manager, settings.weightDecay());
        this.lossWeights = settings.lossWeights();
    }

    /** A trainer whose state is exactly the given snapshot. */
    public static StudentTrainer restore(TrainerState state, TrainerSettings settings) {
        StudentTrainer t = new StudentTrainer(state.student(), settings);
        noGrad();
        t.model.loadWeights(state.weights());
        t.optimizer.restoreState(
                state.optimizerSteps(), state.optimizerState(), t.model.parameters());
        t.samplesTrained = state.samplesTrained();
        t.evalSamplesSeen = state.evalSamplesSeen();
        t.lossWeights = state.lossWeights();
        t.pending.addAll(state.pending());
        t.evalWindow.addAll(state.evalWindow());
        return t;
    }

    public String name() {
        return name;
    }

    public StudentModel model() {
        return model;
    }

    public long steps() {
        return optimizer.steps();
    }

    public long samplesTrained() {
        return samplesTrained;
    }

    public LossWeights lossWeights() {
        return lossWeights;
    }

    public double lastLearningRate() {
        return lastLearningRate;
    }

    /** Steps skipped because the loss or a gradient was not finite. */
    public long skippedSteps() {
        return skippedSteps;
    }

    public LossTotals totals() {
        return totals;
    }

    public List<ScoredSample> evalWindow() {
        return List.copyOf(evalWindow);
    }

    /**
     * Takes one sample. Eval samples join the window; training samples join the batch, and a full
     * batch triggers a step. Returns the step's losses, or null when no step was taken.
     */
    public StepLosses accept(ScoredSample sample) {
        if (sample.eval) {
            evalWindow.addLast(sample);
            evalSamplesSeen++;
            while (evalWindow.size() > settings.evalWindow()) {
                evalWindow.removeFirst();
            }
            return null;
        }
        pending.add(sample);
        if (pending.size() >= settings.batchSize()) {
            return flush();
        }
        return null;
    }

    /** Trains on whatever is buffered, even a partial batch (end of a bounded stream). */
    public StepLosses flush() {
        if (pending.isEmpty()) {
            return null;
        }
        List<ScoredSample> batch = new ArrayList<>(pending);
        pending.clear();
        StepLosses losses = step(batch);
        samplesTrained += batch.size();
        if (Double.isFinite(losses.total())) {
            totals.add(losses, batch.size());
        }
        return losses;
    }

    /** Evaluates the current student on the eval window. */
    public EvalResult evaluate() {
        noGrad();
        return StudentEvaluator.evaluate(model, manager, List.copyOf(evalWindow));
    }

    /** Losses accumulated since the last call; resets them. */
    public LossTotals drainTotals() {
        LossTotals copy = new LossTotals();
        copy.total = totals.total;
        copy.soft = totals.soft;
        copy.feature = totals.feature;
        copy.hard = totals.hard;
        copy.steps = totals.steps;
        copy.samples = totals.samples;
        totals.reset();
        return copy;
    }

    private StepLosses step(List<ScoredSample> batch) {
        double lr = settings.learningRateAt(optimizer.steps(), samplesTrained);
        lastLearningRate = lr;
        int b = batch.size();
        int classes = settings.student().numClasses();
        int dim = settings.student().teacherDim();
        float[] tl = new float[b * classes];
        float[] tf = new float[b * dim];
        int[] labels = new int[b];
        List<int[]> tokens = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            ScoredSample s = batch.get(i);
            System.arraycopy(s.teacherLogits, 0, tl, i * classes, classes);
            System.arraycopy(s.teacherFeatures, 0, tf, i * dim, dim);
            labels[i] = s.label;
            tokens.add(s.tokens);
        }
        LossWeights w = lossWeights;
        try (NDManager step = manager.newSubManager()) {
            float total;
            float soft;
            float feature;
            float hard;
            model.setTraining(true);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                var out = model.forward(step, tokens, true);
                NDArray teacherLogits = NativeArrays.owned(step, tl, new Shape(b, classes));
                NDArray teacherFeatures = NativeArrays.owned(step, tf, new Shape(b, dim));
                NDArray softLoss =
                        DistillationLoss.softKl(
                                out.logits(), teacherLogits, (float) w.temperature());
                NDArray featureLoss =
                        DistillationLoss.featureMse(out.projectedFeatures(), teacherFeatures);
                NDArray hardLoss = DistillationLoss.hardCrossEntropy(out.logits(), labels);
                NDArray loss =
                        softLoss.mul(NativeArrays.scalar(softLoss, (float) w.soft()))
                                .add(
                                        featureLoss.mul(
                                                NativeArrays.scalar(
                                                        featureLoss, (float) w.feature())))
                                .add(hardLoss.mul(NativeArrays.scalar(hardLoss, (float) w.hard())));
                collector.backward(loss);
                total = loss.getFloat();
                soft = softLoss.getFloat();
                feature = featureLoss.getFloat();
                hard = hardLoss.getFloat();
            }
            noGrad();
            Map<String, NDArray> grads = new HashMap<>();
            double normSquared = 0;
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                NDArray g = e.getValue().getGradient();
                g.attach(step);
                grads.put(e.getKey(), g);
                normSquared += g.square().sum().getFloat();
            }
            double norm = Math.sqrt(normSquared);
            if (!Double.isFinite(total) || !Double.isFinite(norm)) {
                // A non-finite loss or gradient would poison the weights and the moments: skip it.
                skippedSteps++;
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
                        name,
                        samplesTrained,
                        total,
                        norm,
                        skippedSteps);
            } else {
                if (norm > MAX_GRADIENT_NORM) {
                    float scale = (float) (MAX_GRADIENT_NORM / norm);
                    grads.values().forEach(g -> g.muli(scale));
                }
                optimizer.step(model.parameters(), grads, lr);
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
            return new StepLosses(total, soft, feature, hard, lr);
        }
    }

    /** The complete state: weights, optimizer, counters, buffered and eval samples. */
    public TrainerState snapshot() {
        noGrad();
        return new TrainerState(
                name,
                new LinkedHashMap<>(model.exportWeights()),
                optimizer.steps(),
                optimizer.exportState(),
                samplesTrained,
                evalSamplesSeen,
                lossWeights,
                List.copyOf(pending),
                List.copyOf(evalWindow));
    }

    private static void noGrad() {
        // PyTorch's grad mode is per thread and on by default; in-place updates of parameters and
        // inference must run without it.
        JniUtils.setGradMode(false);
    }

    @Override
    public void close() {
        manager.close();
    }
}
