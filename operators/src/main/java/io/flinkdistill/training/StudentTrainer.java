package io.flinkdistill.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.evaluation.StudentEvaluator;
import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.sample.ScoredSample;
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
    private FrozenStudent frozen;
    private ReplayBuffer replay;
    private long samplesReplayed;
    private StudentModel frozenModel;
    private final StudentModel model;
    private final CheckpointableAdamW optimizer;
    private final List<ScoredSample> pending = new ArrayList<>();
    private final ArrayDeque<ScoredSample> evalWindow = new ArrayDeque<>();
    private final LossTotals totals = new LossTotals();
    private final StepTimings timings = new StepTimings();
    private final DistillationObjective objective;
    private final TrainedSamples trained = new TrainedSamples();

    /** Gradients are rescaled to at most this global L2 norm (the usual guard for transformers). */
    static final double MAX_GRADIENT_NORM = 1.0;

    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(StudentTrainer.class);

    private LossWeights lossWeights;
    private long skippedSteps;
    private int consecutiveSkips;

    /** Multiplies the scheduled learning rate; halved at each rollback after repeated bad steps. */
    private double learningRateScale = 1.0;

    /** The last state taken while training was healthy: where a rollback returns to. */
    private TrainerState lastGood;

    private long samplesTrained;

    /** Position in the progressive schedule, in samples; drift moves it back to alignment. */
    private long schedulePosition;

    private long evalSamplesSeen;
    private float[] teacherWeights = new float[0];
    private String attentionHeads = "";

    private double lastLearningRate;

    /** Temperature set by a control command (NaN: the schedule or the settings decide). */
    private double temperatureOverride = Double.NaN;

    /** A new student, initialised as the settings say. */
    public StudentTrainer(String name, TrainerSettings settings) {
        this(name, settings, true);
    }

    private StudentTrainer(String name, TrainerSettings settings, boolean initialise) {
        this.name = name;
        this.settings = settings;
        this.objective = new DistillationObjective(settings);
        this.manager = Engine.getEngine("PyTorch").newBaseManager();
        this.model = StudentModel.create(settings.student(), manager);
        this.optimizer = new CheckpointableAdamW(manager, settings.weightDecay());
        this.lossWeights = settings.lossWeights();
        if (initialise && settings.embeddingInit().startsWith(TrainerSettings.TEACHER_EMBEDDINGS)) {
            noGrad();
            model.setParameter("embed.tokens", InitialEmbeddings.fromTeacher(settings));
        } else if (initialise
                && settings.embeddingInit().startsWith(TrainerSettings.TEACHER_OUTPUT_EMBEDDINGS)) {
            float[] table = InitialEmbeddings.fromTeacherOutput(settings);
            noGrad();
            model.setParameter("embed.tokens", table);
        }
    }

    /** A trainer whose state is exactly the given snapshot. */
    public static StudentTrainer restore(TrainerState state, TrainerSettings settings) {
        StudentTrainer t = new StudentTrainer(state.student(), settings, false);
        noGrad();
        t.model.loadWeights(state.weights());
        t.optimizer.restoreState(
                state.optimizerSteps(), state.optimizerState(), t.model.parameters());
        t.samplesTrained = state.samplesTrained();
        t.evalSamplesSeen = state.evalSamplesSeen();
        t.lossWeights = state.lossWeights();
        t.pending.addAll(state.pending());
        t.evalWindow.addAll(state.evalWindow());
        t.skippedSteps = state.skippedSteps();
        t.schedulePosition = state.schedulePosition();
        t.learningRateScale = state.learningRateScale();
        t.trained.restore(state);
        t.attentionHeads = state.provenance().attentionHeads();
        t.lastGood = state;
        return t;
    }

    /** Fusion weights of the teachers as the latest sample carried them (empty before one). */
    public float[] teacherWeights() {
        return teacherWeights.clone();
    }

    /** The teacher attention heads the latest sample's maps averaged (empty when off). */
    public String attentionHeads() {
        return attentionHeads;
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

    /** The newest event time of any sample trained so far (ms since the epoch), 0 before any. */
    public long newestEventTime() {
        return trained.newestEventTime();
    }

    /** Eval-slice samples received so far, across restarts. */
    public long evalSamplesSeen() {
        return evalSamplesSeen;
    }

    /** Counts a sample the teacher budget skipped: not trained on, not evaluated. */
    public void skip(ScoredSample sample) {
        trained.skip(sample);
    }

    /** Samples the teacher budget skipped so far, counted exactly once across restarts. */
    public long samplesSkipped() {
        return trained.skipped();
    }

    /** Augmented variants trained on so far, counted exactly once across restarts. */
    public long samplesAugmented() {
        return trained.augmented();
    }

    public long samplesTrained() {
        return samplesTrained;
    }

    public LossWeights lossWeights() {
        return lossWeights;
    }

    /** New loss weights from now on (a control command); the temperature stays as it was. */
    public void setLossWeights(LossWeights weights) {
        this.lossWeights =
                new LossWeights(
                        weights.soft(),
                        weights.feature(),
                        weights.attention(),
                        weights.hard(),
                        lossWeights.temperature());
    }

    /** Fixes the KL temperature (a control command) or, with NaN, gives it back to the schedule. */
    public void setTemperatureOverride(double temperature) {
        if (!Double.isNaN(temperature) && !(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        this.temperatureOverride = temperature;
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
        if (sample.teacherWeights.length > 0) {
            teacherWeights = sample.teacherWeights;
        }
        if (!sample.attentionHeads.isEmpty()) {
            attentionHeads = sample.attentionHeads;
        }
        if (sample.eval) {
            evalWindow.addLast(sample);
            evalSamplesSeen++;
            while (evalWindow.size() > settings.evalWindow()) {
                evalWindow.removeFirst();
            }
            return null;
        }
        pending.add(sample);
        if (pending.size() >= settings.batchSize() + settings.shufflePool()) {
            return flush();
        }
        return null;
    }

    /** Trains on everything buffered, a batch at a time (end of a bounded stream). */
    public StepLosses flushAll() {
        StepLosses last = null;
        while (!pending.isEmpty()) {
            last = flush();
        }
        return last;
    }

    /** Trains on whatever is buffered, even a partial batch (end of a bounded stream). */
    public StepLosses flush() {
        if (pending.isEmpty()) {
            return null;
        }
        List<ScoredSample> fresh;
        if (settings.shufflePool() > 0 && pending.size() > settings.batchSize()) {
            // A batch drawn from the pool, by the seed and the step (a restored trainer draws
            // the same); the others wait for the next batch.
            java.util.Random random =
                    new java.util.Random(
                            settings.student().seed() * 1_000_003L + optimizer.steps());
            fresh = new ArrayList<>(settings.batchSize());
            for (int i = 0; i < settings.batchSize(); i++) {
                fresh.add(pending.remove(random.nextInt(pending.size())));
            }
        } else {
            fresh = new ArrayList<>(pending);
            pending.clear();
        }
        List<ScoredSample> batch = fresh;
        if (settings.replayRatio() > 0) {
            batch = new ArrayList<>(fresh);
            batch.addAll(
                    replay().draw(
                                    (int) Math.round(settings.replayRatio() * fresh.size()),
                                    optimizer.steps()));
            samplesReplayed += batch.size() - fresh.size();
        }
        StepLosses losses = step(batch);
        // Variants (augmentation) are trained on but are not samples of the stream: the
        // learning-rate cycle and the exactly-once counts follow the stream's samples.
        long originals = 0;
        for (ScoredSample s : fresh) {
            if (s.augmented) {
                trained.addVariant();
            } else {
                trained.add(s);
                originals++;
            }
        }
        samplesTrained += originals;
        schedulePosition += originals;
        if (settings.replayRatio() > 0) {
            fresh.forEach(replay::offer);
        }
        if (Double.isFinite(losses.total())) {
            totals.add(losses, fresh.size());
        }
        return losses;
    }

    /** Evaluates the current student on the eval window. */
    public EvalResult evaluate() {
        noGrad();
        return StudentEvaluator.evaluate(model, manager, List.copyOf(evalWindow));
    }

    /**
     * Batch-1 latency of the student in this JVM, timed over up to {@code probes} samples of the
     * eval window: {p50, p99} in milliseconds, or zeros when the window is empty.
     */
    public double[] latencyMillis(int probes) {
        noGrad();
        return StudentEvaluator.latencyMillis(model, manager, List.copyOf(evalWindow), probes);
    }

    /** The student's class for each of these already tokenized sentences. */
    public int[] predictionsOn(List<int[]> tokens) {
        noGrad();
        return StudentEvaluator.predictions(model, manager, tokens);
    }

    /** The frozen copy's class for each sentence, or null while there is no frozen copy. */
    public int[] frozenPredictionsOn(List<int[]> tokens) {
        if (frozenModel == null) {
            return null;
        }
        noGrad();
        return StudentEvaluator.predictions(frozenModel, manager, tokens);
    }

    /** The replay buffer (created empty on first use). */
    public ReplayBuffer replay() {
        if (replay == null) {
            replay = new ReplayBuffer(settings.replayCapacity(), settings.student().seed());
        }
        return replay;
    }

    /** Puts back a replay buffer from a checkpoint. */
    public void restoreReplay(byte[] data) {
        replay = ReplayBuffer.fromBytes(data, settings.replayCapacity(), settings.student().seed());
    }

    /** Replayed samples trained on since the start (not restored: a figure of this run). */
    public long samplesReplayed() {
        return samplesReplayed;
    }

    /** The frozen copy (see {@link #freeze()}), or null. */
    public FrozenStudent frozen() {
        return frozen;
    }

    /** Takes the frozen copy of the student as it is now; it never trains. Once only. */
    public void freeze() {
        noGrad();
        restoreFrozen(new FrozenStudent(samplesTrained, model.exportWeights()));
    }

    /** Puts back a frozen copy from a checkpoint. */
    public void restoreFrozen(FrozenStudent copy) {
        if (frozenModel != null) {
            frozenModel.close();
        }
        noGrad();
        frozen = copy;
        frozenModel = StudentModel.fromWeights(model.config(), copy.weights(), manager);
    }

    /** Losses accumulated since the last call; resets them. */
    public LossTotals drainTotals() {
        LossTotals copy = totals.copy();
        totals.reset();
        return copy;
    }

    private StepLosses step(List<ScoredSample> batch) {
        double lr =
                settings.learningRateAt(optimizer.steps(), schedulePosition) * learningRateScale;
        ProgressiveSchedule schedule = settings.schedule();
        long position = schedulePosition;
        java.util.function.Predicate<String> trains =
                settings.progressive() ? name -> schedule.trains(name, position) : name -> true;
        float temperature = (float) temperature();
        // Dropout draws from libtorch's global generator: seed it from the step so that a
        // restored trainer takes exactly the step the original would have taken.
        Engine.getEngine("PyTorch")
                .setRandomSeed((int) (settings.student().seed() * 1_000_003L + optimizer.steps()));
        lastLearningRate = lr;
        try (NDManager step = manager.newSubManager()) {
            float total;
            float soft;
            float feature;
            float hard;
            float attention;
            model.setTraining(trains);
            long started = System.nanoTime();
            long backwardStarted;
            try (ThreadGradients collector = new ThreadGradients()) {
                DistillationObjective.Terms terms =
                        objective.compute(step, model, batch, lossWeights, temperature);
                NDArray loss = terms.total();
                backwardStarted = System.nanoTime();
                collector.backward(loss);
                total = loss.getFloat();
                soft = terms.soft().getFloat();
                feature = terms.feature().getFloat();
                hard = terms.hard().getFloat();
                attention = terms.attention() == null ? 0f : terms.attention().getFloat();
            }
            noGrad();
            long optimizerStarted = System.nanoTime();
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
            if (!Double.isFinite(total) || !Double.isFinite(norm)) {
                // A non-finite loss or gradient would poison the weights and the moments: skip it.
                skippedSteps++;
                consecutiveSkips++;
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
                consecutiveSkips = 0;
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
            timings.add(
                    backwardStarted - started,
                    optimizerStarted - backwardStarted,
                    System.nanoTime() - optimizerStarted);
            if (consecutiveSkips >= settings.maxConsecutiveSkips()) {
                rollBack();
            }
            return new StepLosses(total, soft, feature, hard, attention, lr);
        }
    }

    /**
     * After too many non-finite steps in a row: back to the last healthy state's weights and
     * optimizer moments, with half the learning rate. Counters and buffered samples stay, so no
     * sample is counted twice.
     */
    private void rollBack() {
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
                name,
                lastGood == null ? "none" : lastGood.optimizerSteps(),
                settings.maxConsecutiveSkips(),
                learningRateScale);
    }

    /** The complete state: weights, optimizer, counters, buffered and eval samples. */
    public TrainerState snapshot() {
        noGrad();
        TrainerState state =
                new TrainerState(
                        name,
                        new LinkedHashMap<>(model.exportWeights()),
                        optimizer.steps(),
                        optimizer.exportState(),
                        samplesTrained,
                        evalSamplesSeen,
                        lossWeights,
                        List.copyOf(pending),
                        List.copyOf(evalWindow),
                        skippedSteps,
                        learningRateScale,
                        schedulePosition,
                        new java.util.TreeMap<>(trained.perPartition()),
                        new java.util.TreeMap<>(trained.highestOffsets()),
                        provenance());
        if (consecutiveSkips == 0) {
            lastGood = state;
        }
        return state;
    }

    /**
     * What produced the student as it is now: the job's static provenance (teacher and its sha256,
     * options, code version) and the trainer's own record (samples, steps, phase, loss weights,
     * temperature, learning-rate scale, skipped steps, Kafka offsets seen, what it trained).
     */
    public Provenance provenance() {
        return settings.provenance().toBuilder()
                .student(
                        name,
                        settings.student().toString(),
                        settings.embeddingInit(),
                        settings.lossPolicy())
                .teachers(settings.teacherNames(), attentionHeads, teacherWeights)
                .progress(samplesTrained, optimizer.steps(), skippedSteps, phaseLabel())
                .schedule(lossWeights, temperature(), learningRateScale)
                .trained(trained.counts())
                .build();
    }

    /**
     * Writes the final student to {@code dir/<name>.student} with the pruning its publication would
     * get, decided on the eval window as for every published version ({@link
     * io.flinkdistill.publish.Pruning}) and recorded in its provenance.
     */
    public java.nio.file.Path saveFinal(
            java.nio.file.Path dir, io.flinkdistill.publish.Pruning pruning)
            throws java.io.IOException {
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Path file = dir.resolve(name + ".student");
        Provenance p = provenance();
        double threshold = 0;
        if (pruning.mode() != io.flinkdistill.publish.Pruning.Mode.OFF) {
            noGrad();
            threshold =
                    pruning.choose(
                                    model.config(),
                                    model.exportWeights(),
                                    p,
                                    io.flinkdistill.serving.WindowAgreement.over(evalWindow()))
                            .threshold();
        }
        saveStudent(file, p.toBuilder().pruneThreshold(threshold).build());
        return file;
    }

    /** Writes the student as it is now, with its provenance (see {@link StudentFile}). */
    public void saveStudent(java.nio.file.Path file) throws java.io.IOException {
        saveStudent(file, provenance());
    }

    /** Writes the student as it is now with the given provenance (its own, completed). */
    public void saveStudent(java.nio.file.Path file, Provenance provenance)
            throws java.io.IOException {
        noGrad();
        StudentFile.write(
                file,
                model.config(),
                model.exportWeights(),
                optimizer.steps(),
                samplesTrained,
                provenance);
    }

    /** Samples trained per Kafka partition of the input (all restarts included). */
    public java.util.SortedMap<Integer, Long> samplesPerPartition() {
        return trained.perPartition();
    }

    /** The schedule phase the next step trains in. */
    public ProgressiveSchedule.Phase phase() {
        return settings.schedule().phase(schedulePosition);
    }

    /** The phase as metrics show it: the progressive phase, or "cosine" without that schedule. */
    public String phaseLabel() {
        return settings.progressive() ? phase().label() : "cosine";
    }

    /** The temperature the next step uses. */
    public double temperature() {
        if (!Double.isNaN(temperatureOverride)) {
            return temperatureOverride;
        }
        return settings.progressive()
                ? settings.schedule().temperatureAt(schedulePosition)
                : lossWeights.temperature();
    }

    /**
     * Drift: the data moved away from what the student learned. Back to the start of feature
     * alignment (with the progressive schedule), so that the body adapts again.
     */
    public void reenterAlignment() {
        if (settings.progressive()) {
            schedulePosition = Math.min(schedulePosition, settings.schedule().alignmentStart());
        } else if (settings.restartOnDrift()) {
            schedulePosition = 0;
        }
    }

    public long schedulePosition() {
        return schedulePosition;
    }

    /** Where the time of the steps so far went (forward and loss, backward, optimizer). */
    public StepTimings timings() {
        return timings;
    }

    public double learningRateScale() {
        return learningRateScale;
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
