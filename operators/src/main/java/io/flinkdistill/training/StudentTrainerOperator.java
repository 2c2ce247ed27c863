package io.flinkdistill.training;

import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.evaluation.StudentEvaluator;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.serving.ModelStore;
import io.flinkdistill.serving.PromotionGate;
import io.flinkdistill.serving.PublishSettings;
import io.flinkdistill.student.StudentConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
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
 * configured, on a fixed benchmark set; the same figures are Flink gauges.
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

    /** Provenance key listing the job's teacher names, comma-separated, in order. */
    public static final String TEACHER_NAMES = "teacher.names";

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

    /** Provenance key naming the loss reweighting policy of the job. */
    public static final String LOSS_POLICY = "training.loss_policy";

    /** Batch-1 forward passes timed at each evaluation. */
    static final int LATENCY_PROBES = 16;

    private final TrainerSettings settings;
    private final String exportDir;
    private final PublishSettings publish;
    private final Benchmark benchmark;
    private final long metricsEveryMillis;

    /** Samples taken by this subtask since it (re)started (fault injection in tests). */
    private transient long samplesTaken;

    private transient ListState<byte[]> controlState;
    private transient TrainerControl control;

    /** Per key: what happened since its last metrics record. */
    private transient Map<String, SinceRecord> sinceRecord;

    private transient Map<String, QualityTrend> trends;
    private transient Map<String, DistillMetrics> latest;

    /** Per key: last published version and its eval agreement (checkpointed). */
    private transient ValueState<double[]> published;

    private transient Map<String, double[]> publishedByKey;
    private transient ModelStore store;
    private transient Counter publishFailures;

    private transient ValueState<byte[]> state;
    private transient Map<String, StudentTrainer> trainers;
    private transient Counter samplesCounter;
    private transient Counter stepsCounter;

    /**
     * @param exportDir directory where the final student of each key is written at end of input
     */
    public StudentTrainerOperator(TrainerSettings settings, String exportDir) {
        this(settings, exportDir, PublishSettings.off());
    }

    /**
     * @param publish where and when student versions are published to a {@link ModelStore}
     */
    public StudentTrainerOperator(
            TrainerSettings settings, String exportDir, PublishSettings publish) {
        this(settings, exportDir, publish, null);
    }

    /**
     * @param benchmark fixed sentences with gold labels evaluated with every metrics record, or
     *     null
     */
    public StudentTrainerOperator(
            TrainerSettings settings,
            String exportDir,
            PublishSettings publish,
            Benchmark benchmark) {
        this(settings, exportDir, publish, benchmark, 0);
    }

    /**
     * @param metricsEveryMillis also evaluate and report a student that has stepped since its last
     *     record once this much processing time has passed (slow streams); 0: by steps only
     */
    public StudentTrainerOperator(
            TrainerSettings settings,
            String exportDir,
            PublishSettings publish,
            Benchmark benchmark,
            long metricsEveryMillis) {
        if (metricsEveryMillis < 0) {
            throw new IllegalArgumentException(
                    "metrics-every-seconds must be >= 0, got " + metricsEveryMillis / 1000);
        }
        this.metricsEveryMillis = metricsEveryMillis;
        this.benchmark = benchmark;
        this.publish = publish;
        this.settings = settings;
        this.exportDir = exportDir;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state =
                context.getKeyedStateStore()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "student-trainer",
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        published =
                context.getKeyedStateStore()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "published",
                                        PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
        trainers = new HashMap<>();
        sinceRecord = new HashMap<>();
        publishedByKey = new HashMap<>();
        trends = new HashMap<>();
        latest = new HashMap<>();
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
        samplesCounter = getRuntimeContext().getMetricGroup().counter("samplesTrained");
        stepsCounter = getRuntimeContext().getMetricGroup().counter("trainingSteps");
        publishFailures = getRuntimeContext().getMetricGroup().counter("publishFailures");
        store = publish.enabled() ? new ModelStore(publish.storeUri()) : null;
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
            SinceRecord r = since(e.getKey());
            if (trainer.steps() > r.steps && now - r.millis >= metricsEveryMillis / 2) {
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
        SinceRecord r = since(key);
        r.arrivals++;
        if (!sample.eval && control.paused(key)) {
            // Paused: the student does not change; the sample is counted, evaluation goes on.
            control.countPaused(key);
            if (++r.paused >= (long) settings.metricsEverySteps() * settings.batchSize()) {
                emitMetrics(trainer);
            }
            return;
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
                            return t != null ? t.lossWeights() : settings.lossWeights();
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
            setCurrentKey(student);
            StudentTrainer trainer = existingTrainer(student);
            if (trainer == null) {
                continue;
            }
            applyOverrides(trainer);
            if (effect.action() == TrainerControl.Action.REALIGN) {
                trainer.reenterAlignment();
                LOG.info(
                        "Student {} re-enters feature alignment (drift: {})",
                        student,
                        c.getValues());
            } else if (effect.action() == TrainerControl.Action.PUBLISH) {
                publishNow(trainer);
            }
        }
    }

    /** The trainer of a student that has state (in memory or checkpointed), else null. */
    private StudentTrainer existingTrainer(String key) throws IOException {
        if (trainers.containsKey(key) || state.value() != null) {
            return trainerFor(key);
        }
        return null;
    }

    private void applyOverrides(StudentTrainer trainer) {
        TrainerControl.Overrides o = control.overridesFor(trainer.name());
        if (o.weights != null) {
            trainer.setLossWeights(o.weights);
        }
        trainer.setTemperatureOverride(o.temperature);
    }

    /** PUBLISH_NOW: evaluated and published at once, past the gate; no metrics record. */
    private void publishNow(StudentTrainer trainer) {
        maybePublish(trainer, trainer.evaluate(), true);
    }

    private StudentTrainer trainerFor(String key) throws IOException {
        StudentTrainer trainer = trainers.get(key);
        if (trainer == null) {
            byte[] saved = state.value();
            if (saved == null) {
                trainer = new StudentTrainer(key, settings);
            } else {
                TrainerState restored = TrainerState.fromBytes(saved);
                trainer = StudentTrainer.restore(restored, settings);
                LOG.info(
                        "Restored student {} at step {} after {} samples, weights fingerprint {}",
                        key,
                        trainer.steps(),
                        trainer.samplesTrained(),
                        restored.weightsFingerprint());
            }
            trainers.put(key, trainer);
            since(key);
            control.know(key);
            applyOverrides(trainer);
            registerGauges(key);
        }
        return trainer;
    }

    private void afterStep(StudentTrainer trainer) {
        stepsCounter.inc();
        if (trainer.steps() % settings.metricsEverySteps() == 0) {
            emitMetrics(trainer);
        }
    }

    /** Teacher names, in the job's order, from the provenance the job wrote. */
    private java.util.List<String> teacherNames() {
        String names = settings.provenance().getOrDefault(TEACHER_NAMES, "teacher");
        return java.util.List.of(names.split(","));
    }

    private Map<String, Double> teacherWeights(StudentTrainer trainer) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        float[] w = trainer.teacherWeights();
        java.util.List<String> names = teacherNames();
        for (int t = 0; t < w.length && t < names.size(); t++) {
            out.put(names.get(t), (double) w[t]);
        }
        return out;
    }

    private Map<String, Double> teacherAccuracy(StudentTrainer trainer) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        double[] acc = StudentEvaluator.teacherAccuracy(trainer.evalWindow());
        java.util.List<String> names = teacherNames();
        if (acc.length - 1 != names.size()) {
            return out;
        }
        for (int t = 0; t < names.size(); t++) {
            out.put(names.get(t), acc[t]);
        }
        if (names.size() > 1) {
            out.put("fused", acc[names.size()]);
        }
        return out;
    }

    /** What happened to one student since its last metrics record. */
    private static final class SinceRecord {
        /** System.nanoTime() of the record (or of the trainer's start), for rates. */
        long nanos = System.nanoTime();

        /** Processing time of the record, for timed records. */
        long millis;

        long steps;
        long paused;
        long arrivals;
    }

    private SinceRecord since(String key) {
        return sinceRecord.computeIfAbsent(key, k -> new SinceRecord());
    }

    private void emitMetrics(StudentTrainer trainer) {
        long now = System.nanoTime();
        SinceRecord r = since(trainer.name());
        double seconds = Math.max(1e-9, (now - r.nanos) / 1e9);
        long arrived = r.arrivals;
        r.nanos = now;
        r.millis = getProcessingTimeService().getCurrentProcessingTime();
        r.steps = trainer.steps();
        r.paused = 0;
        r.arrivals = 0;
        LossTotals t = trainer.drainTotals();
        samplesCounter.inc(t.samples);
        EvalResult eval = trainer.evaluate();
        DistillMetrics m = metricsRecord(trainer, eval, t, seconds, arrived);
        latest.put(trainer.name(), m);
        output.collect(METRICS, new StreamRecord<>(m));
        maybePublish(trainer, eval, false);
    }

    private DistillMetrics metricsRecord(
            StudentTrainer trainer, EvalResult eval, LossTotals t, double seconds, long arrived) {
        String key = trainer.name();
        Double accuracy = Double.isNaN(eval.accuracy()) ? null : eval.accuracy();
        double agreement = Double.isNaN(eval.agreement()) ? 0 : eval.agreement();
        double decay =
                trends.computeIfAbsent(key, k -> new QualityTrend(10))
                        .add(trainer.samplesTrained(), accuracy != null ? accuracy : agreement);
        double[] latency = trainer.latencyMillis(LATENCY_PROBES);
        Double benchmarkAccuracy =
                benchmark == null
                        ? null
                        : trainer.accuracyOn(benchmark.tokens(), benchmark.labels());
        TrainerControl.Overrides o = control.overridesFor(key);
        return DistillMetrics.newBuilder()
                .setStudent(key)
                .setStep(trainer.steps())
                .setSamplesTrained(trainer.samplesTrained())
                .setEvalWindow(eval.size())
                .setEvalAgreement(agreement)
                .setEvalAccuracy(accuracy)
                .setEvalLabelled(eval.labelled())
                .setEvalKl(Double.isNaN(eval.meanKl()) ? 0 : eval.meanKl())
                .setLossTotal(t.mean(t.total))
                .setLossSoft(t.mean(t.soft))
                .setLossFeature(t.mean(t.feature))
                .setLossAttention(t.mean(t.attention))
                .setLossHard(t.mean(t.hard))
                .setWeightSoft(trainer.lossWeights().soft())
                .setWeightFeature(trainer.lossWeights().feature())
                .setWeightAttention(trainer.lossWeights().attention())
                .setTemperature(trainer.temperature())
                .setLearningRate(trainer.lastLearningRate())
                .setPhase(trainer.phaseLabel())
                .setSamplesPerSecond(t.samples / seconds)
                .setTeacherWeights(teacherWeights(trainer))
                .setTeacherAccuracy(teacherAccuracy(trainer))
                .setAttentionHeads(trainer.attentionHeads())
                .setEvalEce(Double.isNaN(eval.ece()) ? 0 : eval.ece())
                .setBenchmarkAccuracy(benchmarkAccuracy)
                .setBenchmarkSize(benchmark == null ? 0 : benchmark.labels().length)
                .setAccuracyDecayPer10k(decay)
                .setStudentLatencyP50Ms(latency[0])
                .setStudentLatencyP99Ms(latency[1])
                .setTeacherSamplesPerSecond(arrived / seconds)
                .setPeakMemoryBytes(ProcessMemory.peakResidentBytes())
                .setLossPolicy(settings.provenance().getOrDefault(LOSS_POLICY, "fixed"))
                .setPaused(o.paused)
                .setSamplesPaused(control.samplesPaused(key))
                .setDriftEvents(control.driftEvents(key))
                .setTimestamp(java.time.Instant.now())
                .build();
    }

    /** Flink gauges of a student's latest metrics record (NaN before the first). */
    private void registerGauges(String key) {
        org.apache.flink.metrics.MetricGroup g =
                getRuntimeContext().getMetricGroup().addGroup("student", key);
        gauge(g, key, "evalAgreement", m -> m.getEvalAgreement());
        gauge(
                g,
                key,
                "evalAccuracy",
                m -> m.getEvalAccuracy() == null ? Double.NaN : m.getEvalAccuracy());
        gauge(g, key, "evalKl", m -> m.getEvalKl());
        gauge(g, key, "evalEce", m -> m.getEvalEce());
        gauge(g, key, "lossTotal", m -> m.getLossTotal());
        gauge(g, key, "weightSoft", m -> m.getWeightSoft());
        gauge(g, key, "weightFeature", m -> m.getWeightFeature());
        gauge(g, key, "weightAttention", m -> m.getWeightAttention());
        gauge(g, key, "temperature", m -> m.getTemperature());
        gauge(g, key, "samplesPerSecond", m -> m.getSamplesPerSecond());
        gauge(g, key, "teacherSamplesPerSecond", m -> m.getTeacherSamplesPerSecond());
        gauge(g, key, "latencyP50Ms", m -> m.getStudentLatencyP50Ms());
        gauge(g, key, "latencyP99Ms", m -> m.getStudentLatencyP99Ms());
        gauge(g, key, "accuracyDecayPer10k", m -> m.getAccuracyDecayPer10k());
        gauge(g, key, "paused", m -> m.getPaused() ? 1.0 : 0.0);
        gauge(g, key, "driftEvents", m -> (double) m.getDriftEvents());
    }

    private void gauge(
            org.apache.flink.metrics.MetricGroup group,
            String key,
            String name,
            java.util.function.ToDoubleFunction<DistillMetrics> value) {
        group.<Double, org.apache.flink.metrics.Gauge<Double>>gauge(
                name,
                () -> {
                    DistillMetrics m = latest.get(key);
                    return m == null ? Double.NaN : value.applyAsDouble(m);
                });
    }

    /**
     * Publishes the current student when the promotion gate lets it through: next version number
     * after both the checkpointed one and the highest in the store (so versions never repeat, even
     * when a restart replays steps after a publication), files written atomically, one event each.
     */
    private void maybePublish(StudentTrainer trainer, EvalResult eval, boolean force) {
        if (store == null) {
            return;
        }
        String key = trainer.name();
        double[] last = publishedByKey.get(key);
        try {
            if (last == null) {
                double[] saved = published.value();
                last = saved == null ? new double[] {0, -1} : saved.clone();
                publishedByKey.put(key, last);
            }
            double agreement = Double.isNaN(eval.agreement()) ? 0 : eval.agreement();
            if (!PromotionGate.shouldPublish(publish, agreement, eval.size(), last[1], force)) {
                return;
            }
            long version = store.nextVersion(key, (long) last[0]);
            Map<String, float[]> weights = trainer.model().exportWeights();
            Map<String, String> provenance = trainer.provenance();
            StudentConfig config = trainer.model().config();
            byte[] fp32 =
                    StudentExporter.export(
                            config,
                            weights,
                            provenance,
                            StudentOnnxExport.Precision.FP32,
                            publish.pruneThreshold());
            byte[] int8 =
                    StudentExporter.export(
                            config,
                            weights,
                            provenance,
                            StudentOnnxExport.Precision.INT8,
                            publish.pruneThreshold());
            Map<String, Double> metrics = new java.util.LinkedHashMap<>();
            metrics.put("eval_agreement", agreement);
            if (!Double.isNaN(eval.accuracy())) {
                metrics.put("eval_accuracy", eval.accuracy());
            }
            metrics.put("eval_kl", Double.isNaN(eval.meanKl()) ? 0 : eval.meanKl());
            metrics.put("step", (double) trainer.steps());
            metrics.put("samples_trained", (double) trainer.samplesTrained());
            ModelStore.Published p = store.publish(key, version, fp32, int8, metrics, provenance);
            last[0] = version;
            last[1] = agreement;
            for (ModelStore.StoredFile f : java.util.List.of(p.fp32(), p.int8())) {
                output.collect(
                        MODELS,
                        new StreamRecord<>(
                                StudentModelPublished.newBuilder()
                                        .setStudent(key)
                                        .setVersion(version)
                                        .setUri(f.uri())
                                        .setFormat(f.format())
                                        .setSha256(f.sha256())
                                        .setSizeBytes(f.sizeBytes())
                                        .setMetrics(metrics)
                                        .setProvenance(provenance)
                                        .setTimestamp(java.time.Instant.now())
                                        .build()));
            }
            LOG.info(
                    "Published student {} v{} (agreement {}) to {}",
                    key,
                    version,
                    agreement,
                    p.fp32().uri());
        } catch (IOException | RuntimeException e) {
            publishFailures.inc();
            LOG.error("Could not publish student {}; training goes on", key, e);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        controlState.update(java.util.List.of(control.toBytes()));
        for (Map.Entry<String, StudentTrainer> e : trainers.entrySet()) {
            setCurrentKey(e.getKey());
            TrainerState snapshot = e.getValue().snapshot();
            state.update(snapshot.toBytes());
            LOG.info(
                    "Checkpoint {}: student {} at step {} after {} samples, weights fingerprint {};"
                            + " samples per partition {}, highest offsets {}, trained-id digest {}",
                    context.getCheckpointId(),
                    e.getKey(),
                    snapshot.optimizerSteps(),
                    snapshot.samplesTrained(),
                    snapshot.weightsFingerprint(),
                    new java.util.TreeMap<>(snapshot.samplesPerPartition()),
                    new java.util.TreeMap<>(snapshot.offsetsSeen()),
                    snapshot.provenance().get(StudentTrainer.ID_DIGEST));
            double[] p = publishedByKey.get(e.getKey());
            if (p != null) {
                published.update(p.clone());
            }
        }
    }

    /** End of the samples (input 1) of a bounded job: train on the partial batch, report, write. */
    @Override
    public void endInput(int inputId) throws Exception {
        if (inputId != 1) {
            return;
        }
        for (Map.Entry<String, StudentTrainer> e : trainers.entrySet()) {
            StudentTrainer trainer = e.getValue();
            if (trainer.flush() != null) {
                stepsCounter.inc();
            }
            emitMetrics(trainer);
            Path file = writeStudent(trainer);
            output.collect(
                    new StreamRecord<>(
                            new StudentVersion(
                                    trainer.name(),
                                    trainer.steps(),
                                    trainer.samplesTrained(),
                                    file.toString())));
        }
    }

    private Path writeStudent(StudentTrainer trainer) throws IOException {
        Path dir = Path.of(exportDir);
        Files.createDirectories(dir);
        Path file = dir.resolve(trainer.name() + ".student");
        trainer.saveStudent(file);
        return file;
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
