package io.flinkdistill.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.flinkdistill.evaluation.DeferralCurve;
import io.flinkdistill.publish.ModelStore;
import io.flinkdistill.schemas.DeferralPoint;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.testing.ShippedTeacher;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cascade: thresholds picked from a published curve for a target, picked again when a new
 * version swaps in, deferred queries answered by the real e5 teacher and handed on, and a teacher
 * failure answered as an error for that query only.
 */
class CascadeTest {
    @TempDir Path dir;

    @Test
    void shouldMeasureTheCurveAndPickTheLeastDeferralThatReachesTheTarget() {
        // Four queries: two confident and right, one unsure and wrong, one unsure and right.
        float[][] student = {{0.95f, 0.05f}, {0.1f, 0.9f}, {0.55f, 0.45f}, {0.4f, 0.6f}};
        int[] teacher = {0, 1, 1, 1};
        int[] labels = {0, 1, 1, -1};
        List<DeferralCurve.Point> curve = DeferralCurve.measure(student, teacher, labels);
        DeferralCurve.Point none = curve.get(0);
        assertThat(none.deferred()).isZero();
        assertThat(none.agreement()).isEqualTo(0.75);
        assertThat(none.accuracy()).isEqualTo(2 / 3.0);
        DeferralCurve.Point all = curve.get(curve.size() - 1);
        assertThat(all.deferred()).isEqualTo(1.0);
        assertThat(all.agreement()).isEqualTo(1.0);
        // Margin 0.1 (the wrong one) is deferred from threshold 0.12 on: agreement 1 at 25 %.
        assertThat(none.queries()).isEqualTo(4);
        // Taken as measured (confidence 0.5): four queries are enough.
        DeferralCurve.Point full =
                DeferralCurve.pick(curve, new DeferralCurve.Target.Agreement(1.0, 0.5));
        assertThat(full.deferred()).isEqualTo(0.25);
        assertThat(full.threshold()).isGreaterThan(0.1).isLessThanOrEqualTo(0.2);
        assertThat(DeferralCurve.pick(curve, new DeferralCurve.Target.MaxDeferral(0.2)).deferred())
                .as("within a 20 % budget nothing can be deferred")
                .isZero();
        assertThat(DeferralCurve.pick(curve, new DeferralCurve.Target.MaxDeferral(0.6)))
                .as("the best agreement within 60 %, at the least deferral")
                .isEqualTo(full);
        assertThat(DeferralCurve.margin(new float[] {0.2f, 0.5f, 0.3f})).isCloseTo(0.2, within());
    }

    @Test
    void shouldHoldAnAgreementTargetToTheLowerBoundOfTheMeasuredAgreement() {
        assertThat(DeferralCurve.normalQuantile(0.95)).isCloseTo(1.6448536, within());
        assertThat(DeferralCurve.normalQuantile(0.975)).isCloseTo(1.9599640, within());
        assertThat(DeferralCurve.normalQuantile(0.01)).isCloseTo(-2.3263479, within());
        // Wilson's interval: 97 % of 800 is at least 95.84 % at one-sided 95 %.
        assertThat(DeferralCurve.wilsonLowerBound(0.97, 800, 1.6448536))
                .isCloseTo(0.958386, offset(1e-6));
        // 800 queries: 97.1 % deferring 30 %, 98.5 % deferring 40 %.
        List<DeferralCurve.Point> curve =
                List.of(
                        new DeferralCurve.Point(0.0, 0.0, 0.90, Double.NaN, 800),
                        new DeferralCurve.Point(0.5, 0.3, 0.971, Double.NaN, 800),
                        new DeferralCurve.Point(0.6, 0.4, 0.985, Double.NaN, 800),
                        new DeferralCurve.Point(1.01, 1.0, 1.0, Double.NaN, 800));
        assertThat(DeferralCurve.pick(curve, new DeferralCurve.Target.Agreement(0.97, 0.5)))
                .as("as measured, 97.1 % reaches 97 %")
                .isEqualTo(curve.get(1));
        DeferralCurve.Point held =
                DeferralCurve.pick(curve, new DeferralCurve.Target.Agreement(0.97));
        assertThat(held)
                .as("at 95 %, 97.1 % of 800 is only known to be above 95.95 %")
                .isEqualTo(curve.get(2));
        assertThat(held.agreementAtLeast(0.95)).isCloseTo(0.97612, offset(1e-5));
        // The same values from a curve without counts (published before they were): as measured.
        List<DeferralCurve.Point> uncounted =
                curve.stream()
                        .map(
                                p ->
                                        new DeferralCurve.Point(
                                                p.threshold(),
                                                p.deferred(),
                                                p.agreement(),
                                                p.accuracy(),
                                                0))
                        .toList();
        assertThat(
                        DeferralCurve.pick(uncounted, new DeferralCurve.Target.Agreement(0.97))
                                .threshold())
                .isEqualTo(0.5);
        assertThatThrownBy(() -> new DeferralCurve.Target.Agreement(0.97, 1.0))
                .hasMessageContaining("confidence");
    }

    @Test
    void shouldPickTheThresholdAgainAtAHotSwapAndDeferToTheTeacher() throws Exception {
        ModelStore store = new ModelStore(dir.toUri().toString());
        ModelStore.Published v1 = ShippedTeacher.publishSmallStudent(store, "s", 1);
        ModelStore.Published v2 = ShippedTeacher.publishSmallStudent(store, "s", 2);
        LinearHead head = ShippedTeacher.randomHead();
        List<String> deferred = new ArrayList<>();
        try (HotSwapModel served = new HotSwapModel("s", "onnx-fp32", 1);
                OnnxTeacher teacher = OnnxTeacher.open(ShippedEncoder.E5_SMALL_V2_Q, head, 64, 1)) {
            Cascade cascade =
                    new Cascade(
                            served,
                            new TeacherAnswers(teacher, head.classes),
                            new Cascade.Policy.FromCurve(new DeferralCurve.Target.Agreement(0.97)),
                            deferred::add);
            assertThat(cascade.answer("a fine film")).as("no version yet").isNull();
            // v1's window: agreement 0.97 is reached by deferring everything (threshold 1.01).
            served.offer(event(v1, curve(1.01, 0.0, 0.97)));
            Cascade.Answer a = cascade.answer("a fine film");
            assertThat(a.source()).isEqualTo(Cascade.Source.TEACHER);
            assertThat(a.threshold()).isEqualTo(1.01);
            assertThat(a.probabilities()).hasSize(2);
            float[] direct =
                    new TeacherAnswers(teacher, head.classes)
                            .probabilities(List.of("a fine film"))[0];
            assertThat(a.probabilities()).containsExactly(direct);
            assertThat(deferred).containsExactly("a fine film");

            // v2's window: the student alone already agrees enough (threshold 0).
            served.offer(event(v2, curve(0.0, 0.0, 0.97)));
            Cascade.Answer b = cascade.answer("a dull film");
            assertThat(b.version()).isEqualTo(2);
            assertThat(b.source()).isEqualTo(Cascade.Source.STUDENT);
            assertThat(b.threshold()).isZero();
            assertThat(cascade.choice().version()).isEqualTo(2);
            assertThat(deferred).hasSize(1);
        }
    }

    @Test
    void shouldPickFromTheCurveOfANamedBenchmarkSetWhenAsked() throws Exception {
        ModelStore store = new ModelStore(dir.toUri().toString());
        ModelStore.Published v1 = ShippedTeacher.publishSmallStudent(store, "s", 1);
        StudentModelPublished e =
                StudentModelPublished.newBuilder(event(v1, curve(1.01, 0.0, 0.97)))
                        .setBenchmarkDeferralCurves(Map.of("traffic", curve(0.0, 0.0, 0.97)))
                        .build();
        Cascade.Teacher never =
                new Cascade.Teacher() {
                    @Override
                    public float[][] probabilities(List<String> texts) {
                        return new float[][] {{0.5f, 0.5f}};
                    }

                    @Override
                    public List<String> classes() {
                        return List.of("0", "1");
                    }
                };
        DeferralCurve.Target target = new DeferralCurve.Target.Agreement(0.97);
        try (HotSwapModel served = new HotSwapModel("s", "onnx-fp32", 1)) {
            served.offer(e);
            Cascade window =
                    new Cascade(served, never, new Cascade.Policy.FromCurve(target), t -> {});
            assertThat(window.answer("a fine film").threshold()).isEqualTo(1.01);
            Cascade traffic =
                    new Cascade(
                            served,
                            never,
                            new Cascade.Policy.FromCurve(target, "traffic"),
                            t -> {});
            Cascade.Answer a = traffic.answer("a fine film");
            assertThat(a.threshold()).isZero();
            assertThat(a.source()).isEqualTo(Cascade.Source.STUDENT);
            Cascade missing =
                    new Cascade(
                            served, never, new Cascade.Policy.FromCurve(target, "other"), t -> {});
            assertThat(missing.answer("a fine film").source())
                    .as("no curve on that set: the student alone")
                    .isEqualTo(Cascade.Source.STUDENT);
        }
    }

    @Test
    void shouldAnswerAnErrorForTheQueryWhenTheTeacherFails() throws Exception {
        ModelStore store = new ModelStore(dir.toUri().toString());
        ModelStore.Published v1 = ShippedTeacher.publishSmallStudent(store, "s", 1);
        try (HotSwapModel served = new HotSwapModel("s", "onnx-fp32", 1)) {
            served.offer(event(v1, List.of()));
            Cascade.Teacher broken =
                    new Cascade.Teacher() {
                        @Override
                        public float[][] probabilities(List<String> texts) {
                            throw new IllegalStateException("ONNX session closed");
                        }

                        @Override
                        public List<String> classes() {
                            return List.of("0", "1");
                        }
                    };
            Cascade cascade = new Cascade(served, broken, new Cascade.Policy.Fixed(1.01), t -> {});
            Cascade.Answer a = cascade.answer("a fine film");
            assertThat(a.source()).isEqualTo(Cascade.Source.ERROR);
            assertThat(a.error())
                    .isEqualTo("teacher failed: IllegalStateException: ONNX session closed");
            assertThat(a.label()).isNull();
            // The next query still gets an answer from the student under a lower threshold.
            Cascade student = new Cascade(served, broken, new Cascade.Policy.Fixed(0), t -> {});
            assertThat(student.answer("a fine film").source()).isEqualTo(Cascade.Source.STUDENT);
            // Without a published curve, a target leaves every query to the student.
            Cascade target =
                    new Cascade(
                            served,
                            broken,
                            new Cascade.Policy.FromCurve(new DeferralCurve.Target.Agreement(1)),
                            t -> {});
            assertThat(target.answer("a fine film").source()).isEqualTo(Cascade.Source.STUDENT);
        }
    }

    /** A curve whose only point reaching {@code agreement} is at {@code threshold}. */
    private static List<DeferralPoint> curve(double threshold, double low, double agreement) {
        List<DeferralPoint> out = new ArrayList<>();
        for (double t : DeferralCurve.THRESHOLDS) {
            out.add(
                    DeferralPoint.newBuilder()
                            .setThreshold(t)
                            .setDeferred(Math.min(1, t))
                            .setAgreement(t >= threshold ? agreement : low)
                            .setAccuracy(null)
                            .build());
        }
        return out;
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-6);
    }

    private static StudentModelPublished event(ModelStore.Published p, List<DeferralPoint> curve) {
        return StudentModelPublished.newBuilder()
                .setStudent(p.student())
                .setVersion(p.version())
                .setUri(p.fp32().uri())
                .setFormat(p.fp32().format())
                .setSha256(p.fp32().sha256())
                .setSizeBytes(p.fp32().sizeBytes())
                .setDeferralCurve(curve)
                .setTimestamp(Instant.now())
                .build();
    }
}
