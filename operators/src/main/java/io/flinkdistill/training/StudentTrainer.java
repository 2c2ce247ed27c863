package io.flinkdistill.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.evaluation.StudentEvaluator;
import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.student.StudentModel;
import java.util.ArrayDeque;
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
    private final FrozenCopy frozen;
    private final Rehearsal rehearsal;
    private final StudentModel model;
    private final CheckpointableAdamW optimizer;
    private final PendingSamples pending;
    private final ArrayDeque<ScoredSample> evalWindow = new ArrayDeque<>();
    private final LossTotals totals = new LossTotals();
    private final DistillationStep step;
    private final TrainedSamples trained = new TrainedSamples();

    private LossWeights lossWeights;
    private long samplesTrained;

    private final TrainerSchedule schedule;

    private long evalSamplesSeen;
    private float[] teacherWeights = new float[0];
    private String attentionHeads = "";

    /** A new student, initialised as the settings say. */
    public StudentTrainer(String name, TrainerSettings settings) {
        this(name, settings, true);
    }

    private StudentTrainer(String name, TrainerSettings settings, boolean initialise) {
        this.name = name;
        this.settings = settings;
        this.manager = Engine.getEngine("PyTorch").newBaseManager();
        this.model = StudentModel.create(settings.student(), manager);
        this.optimizer = new CheckpointableAdamW(manager, settings.weightDecay());
        this.lossWeights = settings.lossWeights();
        this.pending =
                new PendingSamples(
                        settings.batchSize(), settings.shufflePool(), settings.student().seed());
        this.schedule = new TrainerSchedule(settings);
        this.frozen = new FrozenCopy(model.config(), manager);
        this.rehearsal =
                new Rehearsal(
                        settings.replayRatio(),
                        settings.replayCapacity(),
                        settings.student().seed());
        this.step =
                new DistillationStep(settings, new StepGuard(name, settings.maxConsecutiveSkips()));
        if (initialise) {
            Map<String, float[]> start = InitialEmbeddings.forNewStudent(settings);
            if (!start.isEmpty()) {
                noGrad();
                start.forEach(model::setParameter);
            }
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
        t.schedule.restore(state.schedulePosition());
        t.step.guard().restore(state);
        t.trained.restore(state);
        t.attentionHeads = state.provenance().attentionHeads();
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

    /** Steps skipped because the loss or a gradient was not finite. */
    public long skippedSteps() {
        return step.guard().skippedSteps();
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
        if (pending.full()) {
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
        List<ScoredSample> fresh = pending.takeBatch(optimizer.steps());
        List<ScoredSample> batch = rehearsal.mix(fresh, optimizer.steps());
        StepLosses losses = train(batch);
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
        schedule.advance(originals);
        rehearsal.remember(fresh);
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

    /** Replay against forgetting (see {@link Rehearsal}). */
    public Rehearsal rehearsal() {
        return rehearsal;
    }

    /** The frozen copy (see {@link #freeze()}); empty until taken. */
    public FrozenCopy frozen() {
        return frozen;
    }

    /** Takes the frozen copy of the student as it is now; it never trains. Once only. */
    public void freeze() {
        noGrad();
        frozen.take(samplesTrained, model.exportWeights());
    }

    /** Losses accumulated since the last call; resets them. */
    public LossTotals drainTotals() {
        LossTotals copy = totals.copy();
        totals.reset();
        return copy;
    }

    private StepLosses train(List<ScoredSample> batch) {
        double lr = schedule.learningRate(optimizer.steps(), step.guard().learningRateScale());
        return step.take(
                manager,
                model,
                optimizer,
                batch,
                lossWeights,
                (float) temperature(),
                schedule.trains(),
                lr,
                samplesTrained);
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
                        pending.snapshot(),
                        List.copyOf(evalWindow),
                        step.guard().skippedSteps(),
                        step.guard().learningRateScale(),
                        schedule.position(),
                        new java.util.TreeMap<>(trained.perPartition()),
                        new java.util.TreeMap<>(trained.highestOffsets()),
                        provenance());
        step.guard().snapshotTaken(state);
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
                .progress(
                        samplesTrained,
                        optimizer.steps(),
                        step.guard().skippedSteps(),
                        schedule.phaseLabel())
                .schedule(lossWeights, temperature(), step.guard().learningRateScale())
                .trained(trained.counts())
                .build();
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

    /** The temperature the next step uses. */
    public double temperature() {
        return schedule.temperature(lossWeights.temperature());
    }

    /** Where the trainer is in its schedule (position, phase, learning rate, temperature). */
    public TrainerSchedule schedule() {
        return schedule;
    }

    /** Where the time of the steps so far went (forward and loss, backward, optimizer). */
    public StepTimings timings() {
        return step.timings();
    }

    public double learningRateScale() {
        return step.guard().learningRateScale();
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
