package io.flinkdistill.training;

import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.evaluation.StudentEvaluator;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
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
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The stateful student-training operator, keyed by student name. Each key owns a {@link
 * StudentTrainer}; its complete state goes into keyed state at every checkpoint (written in {@link
 * #snapshotState}, not after every step, since a student's weights and moments are megabytes) and
 * is restored lazily the first time a key is seen after a restart, which also makes rescaling work.
 *
 * <p>Main output: the final student version written at end of input. Side output {@link #METRICS}:
 * a {@link DistillMetrics} record every few steps, from evaluating the current student on the
 * sliding window of eval-slice samples.
 */
public final class StudentTrainerOperator extends AbstractStreamOperator<StudentVersion>
        implements OneInputStreamOperator<ScoredSample, StudentVersion>, BoundedOneInput {
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

    private final TrainerSettings settings;
    private final String exportDir;
    private final PublishSettings publish;

    /** Per key: last published version and its eval agreement (checkpointed). */
    private transient ValueState<double[]> published;

    private transient Map<String, double[]> publishedByKey;
    private transient ModelStore store;
    private transient Counter publishFailures;

    private transient ValueState<byte[]> state;
    private transient Map<String, StudentTrainer> trainers;
    private transient Map<String, Long> lastMetricsAt;
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
        lastMetricsAt = new HashMap<>();
        publishedByKey = new HashMap<>();
    }

    @Override
    public void open() throws Exception {
        super.open();
        samplesCounter = getRuntimeContext().getMetricGroup().counter("samplesTrained");
        stepsCounter = getRuntimeContext().getMetricGroup().counter("trainingSteps");
        publishFailures = getRuntimeContext().getMetricGroup().counter("publishFailures");
        store = publish.enabled() ? new ModelStore(publish.storeUri()) : null;
    }

    @Override
    public void processElement(StreamRecord<ScoredSample> element) throws Exception {
        String key = (String) getCurrentKey();
        StudentTrainer trainer = trainerFor(key);
        StepLosses losses = trainer.accept(element.getValue());
        if (losses != null) {
            afterStep(trainer);
        }
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
            lastMetricsAt.put(key, System.nanoTime());
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

    private void emitMetrics(StudentTrainer trainer) {
        long now = System.nanoTime();
        long since = lastMetricsAt.getOrDefault(trainer.name(), now);
        lastMetricsAt.put(trainer.name(), now);
        LossTotals t = trainer.drainTotals();
        samplesCounter.inc(t.samples);
        EvalResult eval = trainer.evaluate();
        double seconds = Math.max(1e-9, (now - since) / 1e9);
        DistillMetrics m =
                DistillMetrics.newBuilder()
                        .setStudent(trainer.name())
                        .setStep(trainer.steps())
                        .setSamplesTrained(trainer.samplesTrained())
                        .setEvalWindow(eval.size())
                        .setEvalAgreement(Double.isNaN(eval.agreement()) ? 0 : eval.agreement())
                        .setEvalAccuracy(Double.isNaN(eval.accuracy()) ? null : eval.accuracy())
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
                        .setTimestamp(java.time.Instant.now())
                        .build();
        output.collect(METRICS, new StreamRecord<>(m));
        maybePublish(trainer, eval, m);
    }

    /**
     * Publishes the current student when the promotion gate lets it through: next version number
     * after both the checkpointed one and the highest in the store (so versions never repeat, even
     * when a restart replays steps after a publication), files written atomically, one event each.
     */
    private void maybePublish(StudentTrainer trainer, EvalResult eval, DistillMetrics m) {
        if (store == null) {
            return;
        }
        String key = trainer.name();
        double[] last = publishedByKey.get(key);
        try {
            if (last == null) {
                double[] saved = published.value();
                last = saved == null ? new double[] {0, -1} : saved.clone();
                last[0] = Math.max(last[0], store.latestVersion(key));
                publishedByKey.put(key, last);
            }
            double agreement = Double.isNaN(eval.agreement()) ? 0 : eval.agreement();
            if (!PromotionGate.shouldPublish(publish, agreement, eval.size(), last[1], false)) {
                return;
            }
            long version = (long) last[0] + 1;
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
            if (m.getEvalAccuracy() != null) {
                metrics.put("eval_accuracy", m.getEvalAccuracy());
            }
            metrics.put("eval_kl", m.getEvalKl());
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
        for (Map.Entry<String, StudentTrainer> e : trainers.entrySet()) {
            setCurrentKey(e.getKey());
            TrainerState snapshot = e.getValue().snapshot();
            state.update(snapshot.toBytes());
            LOG.info(
                    "Checkpoint {}: student {} at step {} after {} samples, weights fingerprint {}",
                    context.getCheckpointId(),
                    e.getKey(),
                    snapshot.optimizerSteps(),
                    snapshot.samplesTrained(),
                    snapshot.weightsFingerprint());
            double[] p = publishedByKey.get(e.getKey());
            if (p != null) {
                published.update(p.clone());
            }
        }
    }

    /** End of a bounded input: train on the partial batch, report, and write each student. */
    @Override
    public void endInput() throws Exception {
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
