package io.flinkdistill.publish;

import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.schemas.DeferralPoint;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.student.StudentConfig;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The publish stage: decides by the {@link PromotionGate} whether a student version goes out,
 * exports it in both precisions (fp32 and INT8), writes both to the {@link ModelStore} under the
 * next free version number, and describes each file as a {@link StudentModelPublished} event. No
 * Flink here: the trainer operator keeps the state and emits the events.
 */
public final class StudentPublisher {
    private final PublishSettings settings;
    private final ModelStore store;

    public StudentPublisher(PublishSettings settings) {
        this.settings = settings;
        this.store = settings.enabled() ? new ModelStore(settings.storeUri()) : null;
    }

    /**
     * A student as it is now, what it was measured at, and what produced it; {@code window}
     * measures an exported file on the eval window (null without one): its agreement for the
     * pruning decision ({@link Pruning}) and each published file's deferral curve.
     */
    public record Candidate(
            String student,
            StudentConfig config,
            Map<String, float[]> weights,
            Provenance provenance,
            EvalResult eval,
            long steps,
            long samplesTrained,
            WindowMeasure window,
            Map<String, WindowMeasure> benchmarks) {}

    /** A published version: what to remember, and one event per stored file (fp32, INT8). */
    public record Publication(PublishedVersion version, List<StudentModelPublished> events) {}

    public boolean enabled() {
        return store != null;
    }

    /** Whether a version measured at this agreement on this many eval samples goes out. */
    public boolean passes(double agreement, int evalWindow, PublishedVersion last, boolean force) {
        return PromotionGate.shouldPublish(
                settings, agreement, evalWindow, last.agreement(), force);
    }

    /**
     * Exports and stores the candidate as the version after {@code last} and after every version
     * number the store has used (so neither a restart that replays steps after a publication nor a
     * writer killed between a version's files makes a number repeat).
     */
    public Publication publish(Candidate c, PublishedVersion last) throws IOException {
        if (store == null) {
            throw new IllegalStateException("publishing is off (no model store)");
        }
        double agreement = agreementOf(c.eval());
        long version = store.nextVersion(c.student(), last.version());
        Pruning.Choice pruned =
                settings.pruning().choose(c.config(), c.weights(), c.provenance(), c.window());
        byte[] fp32 = pruned.fp32();
        byte[] int8 =
                StudentExporter.export(
                        c.config(),
                        c.weights(),
                        c.provenance(),
                        StudentOnnxExport.Precision.INT8,
                        pruned.threshold());
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("eval_agreement", agreement);
        metrics.put("prune_threshold", pruned.threshold());
        metrics.put("ffn_neurons_kept", (double) pruned.kept());
        metrics.put("ffn_neurons", (double) pruned.original());
        if (!Double.isNaN(pruned.agreement())) {
            // The files as served, measured on the same window with ONNX Runtime.
            metrics.put("unpruned_agreement", pruned.unprunedAgreement());
            metrics.put("published_agreement", pruned.agreement());
        }
        if (!Double.isNaN(c.eval().accuracy())) {
            metrics.put("eval_accuracy", c.eval().accuracy());
        }
        metrics.put("eval_kl", Double.isNaN(c.eval().meanKl()) ? 0 : c.eval().meanKl());
        metrics.put("step", (double) c.steps());
        metrics.put("samples_trained", (double) c.samplesTrained());
        ModelStore.Published p =
                store.publish(c.student(), version, fp32, int8, metrics, c.provenance());
        Instant now = Instant.now();
        Map<String, List<DeferralPoint>> curves =
                Map.of(
                        p.fp32().format(), curve(c.window(), fp32),
                        p.int8().format(), curve(c.window(), int8));
        Map<String, Map<String, List<DeferralPoint>>> onSets =
                Map.of(
                        p.fp32().format(), curves(c.benchmarks(), fp32),
                        p.int8().format(), curves(c.benchmarks(), int8));
        List<StudentModelPublished> events =
                List.of(p.fp32(), p.int8()).stream()
                        .map(
                                f ->
                                        StudentModelPublished.newBuilder()
                                                .setStudent(c.student())
                                                .setVersion(version)
                                                .setUri(f.uri())
                                                .setFormat(f.format())
                                                .setSha256(f.sha256())
                                                .setSizeBytes(f.sizeBytes())
                                                .setMetrics(metrics)
                                                .setProvenance(c.provenance().entries())
                                                .setDeferralCurve(curves.get(f.format()))
                                                .setBenchmarkDeferralCurves(onSets.get(f.format()))
                                                .setTimestamp(now)
                                                .build())
                        .toList();
        return new Publication(new PublishedVersion(version, agreement), events);
    }

    private static Map<String, List<DeferralPoint>> curves(
            Map<String, WindowMeasure> sets, byte[] onnx) {
        Map<String, List<DeferralPoint>> out = new java.util.TreeMap<>();
        sets.forEach((name, set) -> out.put(name, curve(set, onnx)));
        return out;
    }

    private static List<DeferralPoint> curve(WindowMeasure window, byte[] onnx) {
        if (window == null) {
            return List.of();
        }
        return window.curve(onnx).stream()
                .map(
                        p ->
                                DeferralPoint.newBuilder()
                                        .setThreshold(p.threshold())
                                        .setDeferred(p.deferred())
                                        .setAgreement(p.agreement())
                                        .setAccuracy(
                                                Double.isNaN(p.accuracy()) ? null : p.accuracy())
                                        .setQueries(p.queries())
                                        .build())
                .toList();
    }

    /** The agreement a version is gated and published with (0 when nothing was evaluated). */
    public static double agreementOf(EvalResult eval) {
        return Double.isNaN(eval.agreement()) ? 0 : eval.agreement();
    }
}
