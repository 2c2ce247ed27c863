package io.flinkdistill.training;

import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.publish.PublishSettings;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.schemas.StudentModelPublished;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The stateful student-training operator, keyed by student name. Each key owns a {@link
 * StudentTrainer}; its complete state goes into keyed state at every checkpoint (written in {@link
 * #snapshotState}, not after every step, since a student's weights and moments are megabytes) and
 * is restored lazily the first time a key is seen after a restart, which also makes rescaling work.
 *
 * <p>Second input: validated {@link ControlCommand}s, broadcast (set-loss-weights, set-temperature,
 * pause, resume, publish-now, realign), applied once per id through {@link TrainerControl}, which
 * is checkpointed in union operator state next to the keyed trainer state.
 *
 * <p>Main output: the final student version written at end of input. Side output {@link #METRICS}:
 * a {@link DistillMetrics} record every few steps (or, while paused, every as many samples), from
 * evaluating the current student on the sliding window of eval-slice samples and, when one is
 * configured, on named benchmark sets (with a frozen copy of the student, if asked for); the same
 * figures are Flink gauges.
 */
public final class StudentTrainerOperator extends AbstractStreamOperator<StudentVersion>
        implements TwoInputStreamOperator<ScoredSample, ControlCommand, StudentVersion>,
                BoundedMultiInput {
    /**
     * Its own logger: the inherited one is named after Flink's base class, whose level is Flink's.
     */
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(StudentTrainerOperator.class);

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DistillMetrics> METRICS =
            new OutputTag<>(
                    "distill-metrics",
                    new org.apache.flink.formats.avro.typeutils.AvroTypeInfo<>(
                            DistillMetrics.class)) {};

    /** One event per published file of a student version. */
    public static final OutputTag<StudentModelPublished> MODELS =
            new OutputTag<>(
                    "models",
                    org.apache.flink.api.common.typeinfo.TypeInformation.of(
                            StudentModelPublished.class)) {};

    private final TrainerSettings settings;
    private final String exportDir;
    private final PublishSettings publish;
    private final Benchmarks benchmarks;
    private final long metricsEveryMillis;

    /** Samples taken by this subtask since it (re)started (fault injection in tests). */
    private transient long samplesTaken;

    private transient ListState<byte[]> controlState;
    private transient TrainerControl control;

    private transient StudentMetricsReporter reporter;

    private transient TrainerPublishing publishing;

    /** Per key: trainer, published version, frozen copy, replay buffer, input statistic. */
    private transient StudentKeyedState keyed;

    private transient Map<String, StudentTrainer> trainers;
    private transient Counter samplesCounter;
    private transient Counter stepsCounter;

    /**
     * @param exportDir directory where the final student of each key is written at end of input
     * @param publish where and when student versions are published ({@link PublishSettings#off()})
     * @param benchmarks named sets evaluated with every metrics record, and when to take the frozen
     *     copy of the student measured on them ({@link Benchmarks#none()}; null: none)
     * @param metricsEveryMillis also evaluate and report a student that has stepped since its last
     *     record once this much processing time has passed (slow streams); 0: by steps only
     */
    public StudentTrainerOperator(
            TrainerSettings settings,
            String exportDir,
            PublishSettings publish,
            Benchmarks benchmarks,
            long metricsEveryMillis) {
        if (metricsEveryMillis < 0) {
            throw new IllegalArgumentException(
                    "metrics-every-seconds must be >= 0, got " + metricsEveryMillis / 1000);
        }
        this.metricsEveryMillis = metricsEveryMillis;
        this.benchmarks = benchmarks == null ? Benchmarks.none() : benchmarks;
        this.publish = publish;
        this.settings = settings;
        this.exportDir = exportDir;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        keyed = StudentKeyedState.declare(context.getKeyedStateStore());
        trainers = new HashMap<>();
        reporter = new StudentMetricsReporter(settings, benchmarks.sets());
        controlState =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>(
                                        "trainer-control",
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        java.util.List<TrainerControl> parts = new java.util.ArrayList<>();
        for (byte[] b : controlState.get()) {
            parts.add(TrainerControl.fromBytes(b));
        }
        control = parts.isEmpty() ? new TrainerControl() : TrainerControl.merge(parts);
    }

    @Override
    public void open() throws Exception {
        super.open();
        TorchThreads.set(settings.threads());
        samplesCounter = getRuntimeContext().getMetricGroup().counter("samplesTrained");
        stepsCounter = getRuntimeContext().getMetricGroup().counter("trainingSteps");
        publishing =
                new TrainerPublishing(
                        publish,
                        benchmarks,
                        settings.student().numClasses(),
                        getRuntimeContext().getMetricGroup().counter("publishFailures"),
                        e -> output.collect(MODELS, new StreamRecord<>(e)),
                        () -> keyed.published());
        if (metricsEveryMillis > 0) {
            scheduleTimedMetrics();
        }
    }

    private void scheduleTimedMetrics() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + metricsEveryMillis, t -> timedMetrics());
    }

    /**
     * Reports every student that stepped since its last record and has not reported for a while.
     */
    private void timedMetrics() throws Exception {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        for (Map.Entry<String, StudentTrainer> e : java.util.List.copyOf(trainers.entrySet())) {
            StudentTrainer trainer = e.getValue();
            if (reporter.dueByTime(trainer, now, metricsEveryMillis / 2)) {
                setCurrentKey(e.getKey());
                emitMetrics(trainer);
            }
        }
        scheduleTimedMetrics();
    }

    @Override
    public void processElement1(StreamRecord<ScoredSample> element) throws Exception {
        io.flinkdistill.faults.FaultInjection.maybeFail(
                io.flinkdistill.faults.FaultInjection.TRAINER, ++samplesTaken);
        String key = (String) getCurrentKey();
        StudentTrainer trainer = trainerFor(key);
        ScoredSample sample = element.getValue();
        if (sample.skipped) {
            trainer.skip(sample);
            return;
        }
        reporter.arrived(key);
        if (!sample.eval && control.paused(key)) {
            // Paused: the student does not change; the sample is counted, evaluation goes on.
            control.countPaused(key);
            if (reporter.pausedSample(key)
                    >= (long) settings.metricsEverySteps() * settings.batchSize()) {
                emitMetrics(trainer);
            }
            return;
        }
        if (!sample.eval) {
            reporter.inputShift(key).add(sample.teacherFeatures);
        }
        StepLosses losses = trainer.accept(sample);
        if (losses != null) {
            afterStep(trainer);
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        io.flinkdistill.faults.FaultInjection.checkpointCompleted(
                io.flinkdistill.faults.FaultInjection.TRAINER);
    }

    /** A validated control command, the same on every subtask (broadcast). */
    @Override
    public void processElement2(StreamRecord<ControlCommand> element) throws Exception {
        ControlCommand c = element.getValue();
        TrainerControl.Effect effect =
                control.apply(
                        c,
                        student -> {
                            StudentTrainer t = trainers.get(student);
                            return t != null
                                    ? t.lossWeights()
                                    : settings.forStudent(student).lossWeights();
                        });
        if (!effect.applied()) {
            return;
        }
        LOG.info(
                "Control {} {} from {} for {}: {}",
                c.getId(),
                c.getType(),
                c.getIssuer(),
                c.getStudent() == null ? "every student" : c.getStudent(),
                c.getValues());
        for (String student : effect.students()) {
            if (!owns(student)) {
                // Another trainer subtask holds this student (commands reach every subtask).
                continue;
            }
            setCurrentKey(student);
            StudentTrainer trainer = existingTrainer(student);
            if (trainer == null) {
                continue;
            }
            control.applyTo(trainer);
            if (effect.action() == TrainerControl.Action.REALIGN) {
                trainer.schedule().reenterAlignment();
                // The new domain becomes the reference of the input-shift statistic.
                reporter.inputShift(student).reset();
                LOG.info(
                        "Student {} re-enters feature alignment (drift: {})",
                        student,
                        c.getValues());
            } else if (effect.action() == TrainerControl.Action.PUBLISH) {
                publishNow(trainer);
            }
        }
    }

    /** Whether this subtask holds the key group of {@code student}. */
    private boolean owns(String student) {
        var task = getRuntimeContext().getTaskInfo();
        return org.apache.flink.runtime.state.KeyGroupRangeAssignment.assignKeyToParallelOperator(
                        student,
                        task.getMaxNumberOfParallelSubtasks(),
                        task.getNumberOfParallelSubtasks())
                == task.getIndexOfThisSubtask();
    }

    /** The trainer of a student that has state (in memory or checkpointed), else null. */
    private StudentTrainer existingTrainer(String key) throws IOException {
        if (trainers.containsKey(key) || keyed.hasTrainer()) {
            return trainerFor(key);
        }
        return null;
    }

    /** PUBLISH_NOW: evaluated and published at once, past the gate; no metrics record. */
    private void publishNow(StudentTrainer trainer) {
        publishing.maybePublish(trainer, trainer.evaluate(), true);
    }

    private StudentTrainer trainerFor(String key) throws IOException {
        StudentTrainer trainer = trainers.get(key);
        if (trainer == null) {
            trainer = keyed.restore(key, settings.forStudent(key), reporter.inputShift(key));
            trainers.put(key, trainer);
            reporter.start(key);
            control.know(key);
            control.applyTo(trainer);
            reporter.registerGauges(getRuntimeContext().getMetricGroup(), key);
            publishing.last(key);
            reporter.registerPublishedVersionGauge(
                    getRuntimeContext().getMetricGroup(), key, () -> publishing.known(key));
        }
        return trainer;
    }

    private void afterStep(StudentTrainer trainer) {
        stepsCounter.inc();
        if (benchmarks.freezeStudentAt() > 0
                && trainer.frozen().copy() == null
                && trainer.samplesTrained() >= benchmarks.freezeStudentAt()) {
            trainer.freeze();
            LOG.info(
                    "Froze a copy of student {} after {} samples (step {}); it is measured on the"
                            + " benchmark sets from now on",
                    trainer.name(),
                    trainer.samplesTrained(),
                    trainer.steps());
        }
        if (trainer.steps() % settings.metricsEverySteps() == 0) {
            emitMetrics(trainer);
        }
    }

    private void emitMetrics(StudentTrainer trainer) {
        LossTotals t = trainer.drainTotals();
        samplesCounter.inc(t.samples);
        EvalResult eval = trainer.evaluate();
        DistillMetrics m =
                reporter.record(
                        trainer,
                        eval,
                        t,
                        control,
                        getProcessingTimeService().getCurrentProcessingTime());
        output.collect(METRICS, new StreamRecord<>(m));
        publishing.maybePublish(trainer, eval, false);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        controlState.update(java.util.List.of(control.toBytes()));
        for (Map.Entry<String, StudentTrainer> e : trainers.entrySet()) {
            setCurrentKey(e.getKey());
            keyed.snapshot(
                    context.getCheckpointId(),
                    e.getValue(),
                    reporter.inputShift(e.getKey()),
                    settings.replayRatio() > 0,
                    publishing.known(e.getKey()));
        }
    }

    /** End of the samples (input 1) of a bounded job: train on the partial batch, report, write. */
    @Override
    public void endInput(int inputId) throws Exception {
        if (inputId != 1) {
            return;
        }
        // Every student of this subtask, also those restored from a checkpoint that saw no sample
        // since (their pending batch still trains, their final file is still written).
        java.util.SortedSet<String> students = new java.util.TreeSet<>(trainers.keySet());
        try (java.util.stream.Stream<Object> keys =
                getKeyedStateBackend()
                        .getKeys(
                                StudentKeyedState.TRAINER,
                                org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
            keys.forEach(k -> students.add((String) k));
        }
        for (String student : students) {
            setCurrentKey(student);
            StudentTrainer trainer = trainerFor(student);
            if (trainer.flushAll() != null) {
                stepsCounter.inc();
            }
            emitMetrics(trainer);
            Path file = FinalStudent.save(trainer, Path.of(exportDir), publish.pruning());
            output.collect(
                    new StreamRecord<>(
                            new StudentVersion(
                                    trainer.name(),
                                    trainer.steps(),
                                    trainer.samplesTrained(),
                                    file.toString())));
        }
    }

    /** The live trainer of a key, or null if that key has not been seen since (re)start. */
    StudentTrainer trainer(String key) {
        return trainers.get(key);
    }

    @Override
    public void close() throws Exception {
        try {
            if (trainers != null) {
                trainers.values().forEach(StudentTrainer::close);
                trainers.clear();
            }
        } finally {
            super.close();
        }
    }
}
