package io.flinkdistill.pipeline.cli;

import io.flinkdistill.evaluation.DeferralCurve;
import io.flinkdistill.pipeline.monitor.MetricsRecords;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.serving.OnnxStudent;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.ModelSource;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSpec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The demo's cascade check: the newest published INT8 file as {@code serve --cascade} would load
 * it, its threshold picked from the deferral curve published with it (measured on the trainer's
 * eval window) for a few agreement targets, and what that threshold gives on the test file.
 */
final class CascadeCheck {
    static final double[] TARGETS = {0.95, 0.97, 0.99};

    private CascadeCheck() {}

    /**
     * One target: the threshold picked on the window at a confidence, and the window's and the
     * test's figures ({@code windowAgreementAtLeast}: the lower bound the pick was made on).
     */
    record Pick(
            double target,
            double confidence,
            double threshold,
            double windowDeferred,
            double windowAgreement,
            double windowAgreementAtLeast,
            double testDeferred,
            double testAgreement,
            double testAccuracy) {}

    /**
     * @param picks thresholds picked on the eval-window curve (at the default confidence)
     * @param validationPicks thresholds picked on the curve of the benchmark set named {@code
     *     validation}, when the job measured one (else empty), at the default confidence
     * @param validationPicksAsMeasured the same, taking the curve's agreement as measured
     *     (confidence 0.5), to show what the bound changes
     */
    record Result(
            long version,
            List<Pick> picks,
            List<Pick> validationPicks,
            List<Pick> validationPicksAsMeasured) {}

    /** The benchmark set whose published curve the demo also picks from. */
    static final String VALIDATION_SET = "validation";

    /** Null when nothing with a curve was published. */
    static Result measure(
            Map<String, Object> client,
            String modelsTopic,
            String student,
            TeacherSpec primary,
            LinearHead head,
            int maxTokens,
            List<TsvRow> test,
            List<String> classes)
            throws Exception {
        StudentModelPublished newest =
                MetricsRecords.readTopic(
                                client,
                                modelsTopic,
                                Duration.ofSeconds(30),
                                v -> StudentModelPublished.fromByteBuffer(ByteBuffer.wrap(v)))
                        .stream()
                        .filter(e -> e.getStudent().equals(student))
                        .filter(e -> e.getFormat().equals("onnx-int8"))
                        .filter(e -> !e.getDeferralCurve().isEmpty())
                        .max(Comparator.comparingLong(StudentModelPublished::getVersion))
                        .orElse(null);
        if (newest == null) {
            return null;
        }
        List<TsvRow> labelled =
                test.stream()
                        .filter(r -> r.label() != null && classes.contains(r.label()))
                        .toList();
        List<String> texts = labelled.stream().map(TsvRow::text).toList();
        int[] gold = labelled.stream().mapToInt(r -> classes.indexOf(r.label())).toArray();
        float[][] probs;
        try (OnnxStudent s = OnnxStudent.open(ModelSource.read(newest.getUri()), 1)) {
            probs = s.predict(texts);
        }
        int[] teacher = new int[texts.size()];
        try (OnnxTeacher t = OnnxTeacher.open(primary, head, maxTokens, 1)) {
            for (int start = 0; start < texts.size(); start += 32) {
                var out = t.infer(texts.subList(start, Math.min(texts.size(), start + 32)));
                for (int i = 0; i < out.size(); i++) {
                    teacher[start + i] = out.get(i).predictedClass();
                }
            }
        }
        List<DeferralCurve.Point> onTest = DeferralCurve.measure(probs, teacher, gold);
        List<DeferralCurve.Point> window =
                io.flinkdistill.serving.Cascade.points(newest.getDeferralCurve());
        var onValidation = newest.getBenchmarkDeferralCurves().get(VALIDATION_SET);
        double bound = DeferralCurve.Target.Agreement.DEFAULT_CONFIDENCE;
        if (onValidation == null || onValidation.isEmpty()) {
            return new Result(
                    newest.getVersion(), picks(window, onTest, bound), List.of(), List.of());
        }
        List<DeferralCurve.Point> validation = io.flinkdistill.serving.Cascade.points(onValidation);
        return new Result(
                newest.getVersion(),
                picks(window, onTest, bound),
                picks(validation, onTest, bound),
                picks(validation, onTest, 0.5));
    }

    /**
     * For each target, the threshold picked on {@code curve} and what it gives on the test file.
     */
    private static List<Pick> picks(
            List<DeferralCurve.Point> window, List<DeferralCurve.Point> onTest, double confidence) {
        List<Pick> picks = new ArrayList<>();
        for (double target : TARGETS) {
            DeferralCurve.Point w =
                    DeferralCurve.pick(
                            window, new DeferralCurve.Target.Agreement(target, confidence));
            DeferralCurve.Point t =
                    onTest.stream()
                            .filter(p -> p.threshold() == w.threshold())
                            .findFirst()
                            .orElseThrow();
            picks.add(
                    new Pick(
                            target,
                            confidence,
                            w.threshold(),
                            w.deferred(),
                            w.agreement(),
                            w.agreementAtLeast(confidence),
                            t.deferred(),
                            t.agreement(),
                            t.accuracy()));
        }
        return picks;
    }
}
