package io.flinkdistill.training;

import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.evaluation.InputShift;
import io.flinkdistill.evaluation.QualityTrend;
import io.flinkdistill.evaluation.StudentEvaluator;
import io.flinkdistill.schemas.BenchmarkResult;
import io.flinkdistill.schemas.DistillMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds each student's {@link DistillMetrics} record from its trainer, the evaluation and the loss
 * totals since the last record, keeps its quality trend, and exposes the latest record as Flink
 * gauges.
 */
final class StudentMetricsReporter {
    /** Batch-1 forward passes timed at each evaluation. */
    static final int LATENCY_PROBES = 16;

    private final TrainerSettings settings;
    private final List<Benchmark> benchmarks;
    private final Map<String, QualityTrend> trends = new HashMap<>();
    private final Map<String, DistillMetrics> latest = new HashMap<>();
    private final Map<String, InputShift> shifts = new HashMap<>();

    /** Training samples per block of the input-shift statistic. */
    static final int INPUT_SHIFT_BLOCK = 500;

    /** A student's label-free input-shift statistic over its training samples. */
    InputShift inputShift(String key) {
        return shifts.computeIfAbsent(
                key, k -> new InputShift(INPUT_SHIFT_BLOCK, settings.student().teacherDim()));
    }

    /**
     * @param benchmarks named fixed sets with gold labels evaluated with every record (may be
     *     empty)
     */
    StudentMetricsReporter(TrainerSettings settings, List<Benchmark> benchmarks) {
        this.settings = settings;
        this.benchmarks = List.copyOf(benchmarks);
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

    private final Map<String, SinceRecord> since = new HashMap<>();

    private SinceRecord since(String key) {
        return since.computeIfAbsent(key, k -> new SinceRecord());
    }

    /** A student's trainer started (or was restored): rates count from now. */
    void start(String key) {
        since(key);
    }

    /** A sample for the student reached the trainer (training or eval, paused or not). */
    void arrived(String key) {
        since(key).arrivals++;
    }

    /** A training sample arrived while paused; how many since the last record. */
    long pausedSample(String key) {
        return ++since(key).paused;
    }

    /** Whether a student stepped since its last record, which is at least this old. */
    boolean dueByTime(StudentTrainer trainer, long nowMillis, long minAgeMillis) {
        SinceRecord r = since(trainer.name());
        return trainer.steps() > r.steps && nowMillis - r.millis >= minAgeMillis;
    }

    /**
     * The record of a student now (rates over the time since its last record); also its gauges'
     * values from now on.
     */
    DistillMetrics record(
            StudentTrainer trainer,
            EvalResult eval,
            LossTotals t,
            TrainerControl control,
            long nowMillis) {
        String key = trainer.name();
        long now = System.nanoTime();
        SinceRecord r = since(key);
        double seconds = Math.max(1e-9, (now - r.nanos) / 1e9);
        long arrived = r.arrivals;
        r.nanos = now;
        r.millis = nowMillis;
        r.steps = trainer.steps();
        r.paused = 0;
        r.arrivals = 0;
        Double accuracy = Double.isNaN(eval.accuracy()) ? null : eval.accuracy();
        double agreement = Double.isNaN(eval.agreement()) ? 0 : eval.agreement();
        double decay =
                trends.computeIfAbsent(key, k -> new QualityTrend(10))
                        .add(trainer.samplesTrained(), accuracy != null ? accuracy : agreement);
        double[] latency = trainer.latencyMillis(LATENCY_PROBES);
        List<BenchmarkResult> onBenchmarks = benchmarks(trainer);
        TrainerControl.Overrides o = control.overridesFor(key);
        DistillMetrics m =
                DistillMetrics.newBuilder()
                        .setStudent(key)
                        .setStep(trainer.steps())
                        .setSamplesTrained(trainer.samplesTrained())
                        .setSamplesSkipped(trainer.samplesSkipped())
                        .setSamplesAugmented(trainer.samplesAugmented())
                        .setSamplesEvaluated(trainer.evalSamplesSeen())
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
                        .setLearningRate(trainer.schedule().lastLearningRate())
                        .setPhase(trainer.schedule().phaseLabel())
                        .setSamplesPerSecond(t.samples / seconds)
                        .setTeacherWeights(teacherWeights(trainer))
                        .setTeacherAccuracy(teacherAccuracy(trainer))
                        .setAttentionHeads(trainer.attentionHeads())
                        .setEvalEce(Double.isNaN(eval.ece()) ? 0 : eval.ece())
                        .setBenchmarkAccuracy(
                                onBenchmarks.isEmpty() ? null : onBenchmarks.get(0).getAccuracy())
                        .setBenchmarkSize(
                                onBenchmarks.isEmpty() ? 0 : onBenchmarks.get(0).getSize())
                        .setBenchmarks(onBenchmarks)
                        .setSamplesReplayed(trainer.rehearsal().replayed())
                        .setEventTimeLagMs(
                                trainer.newestEventTime() > 0
                                        ? Math.max(0, nowMillis - trainer.newestEventTime())
                                        : null)
                        .setInputShift(
                                Double.isNaN(inputShift(key).score())
                                        ? null
                                        : inputShift(key).score())
                        .setAccuracyDecayPer10k(decay)
                        .setStudentLatencyP50Ms(latency[0])
                        .setStudentLatencyP99Ms(latency[1])
                        .setTeacherSamplesPerSecond(arrived / seconds)
                        .setPeakMemoryBytes(ProcessMemory.peakResidentBytes())
                        .setLossPolicy(settings.lossPolicy())
                        .setPaused(o.paused)
                        .setSamplesPaused(control.samplesPaused(key))
                        .setDriftEvents(control.driftEvents(key))
                        .setTimestamp(java.time.Instant.now())
                        .build();
        latest.put(key, m);
        return m;
    }

    /** The student (and its frozen copy, if any) on each benchmark set. */
    private List<BenchmarkResult> benchmarks(StudentTrainer trainer) {
        List<BenchmarkResult> out = new ArrayList<>(benchmarks.size());
        for (Benchmark b : benchmarks) {
            int[] predicted = trainer.predictionsOn(b.tokens());
            int[] frozen = trainer.frozen().predictionsOn(b.tokens());
            out.add(
                    BenchmarkResult.newBuilder()
                            .setName(b.name())
                            .setSize(b.labels().length)
                            .setAccuracy(StudentEvaluator.matching(predicted, b.labels()))
                            .setAgreement(StudentEvaluator.matching(predicted, b.teacherClasses()))
                            .setTeacherAccuracy(b.teacherAccuracy())
                            .setFrozenAccuracy(
                                    frozen == null
                                            ? null
                                            : StudentEvaluator.matching(frozen, b.labels()))
                            .build());
        }
        return out;
    }

    private Map<String, Double> teacherWeights(StudentTrainer trainer) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        float[] w = trainer.teacherWeights();
        java.util.List<String> names = settings.teacherNames();
        for (int t = 0; t < w.length && t < names.size(); t++) {
            out.put(names.get(t), (double) w[t]);
        }
        return out;
    }

    private Map<String, Double> teacherAccuracy(StudentTrainer trainer) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        double[] acc = StudentEvaluator.teacherAccuracy(trainer.evalWindow());
        java.util.List<String> names = settings.teacherNames();
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

    /** Flink gauges of a student's latest metrics record (NaN before the first). */
    /** The student's last published version as a gauge (NaN before the first). */
    void registerPublishedVersionGauge(
            org.apache.flink.metrics.MetricGroup operatorGroup,
            String key,
            java.util.function.Supplier<io.flinkdistill.publish.PublishedVersion> last) {
        operatorGroup
                .addGroup("student", key)
                .gauge(
                        "publishedVersion",
                        () -> {
                            io.flinkdistill.publish.PublishedVersion v = last.get();
                            return v == null || v.version() == 0
                                    ? Double.NaN
                                    : (double) v.version();
                        });
    }

    void registerGauges(org.apache.flink.metrics.MetricGroup operatorGroup, String key) {
        org.apache.flink.metrics.MetricGroup g = operatorGroup.addGroup("student", key);
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
        gauge(
                g,
                key,
                "eventTimeLagMs",
                m -> m.getEventTimeLagMs() == null ? Double.NaN : m.getEventTimeLagMs());
        gauge(
                g,
                key,
                "inputShift",
                m -> m.getInputShift() == null ? Double.NaN : m.getInputShift());
        for (int i = 0; i < benchmarks.size(); i++) {
            int index = i;
            org.apache.flink.metrics.MetricGroup b =
                    g.addGroup("benchmark", benchmarks.get(i).name());
            gauge(b, key, "accuracy", m -> benchmark(m, index).getAccuracy());
            gauge(b, key, "agreement", m -> benchmark(m, index).getAgreement());
            gauge(b, key, "teacherAccuracy", m -> benchmark(m, index).getTeacherAccuracy());
            gauge(
                    b,
                    key,
                    "frozenAccuracy",
                    m -> {
                        Double f = benchmark(m, index).getFrozenAccuracy();
                        return f == null ? Double.NaN : f;
                    });
        }
    }

    private static BenchmarkResult benchmark(DistillMetrics m, int index) {
        return m.getBenchmarks().get(index);
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
}
