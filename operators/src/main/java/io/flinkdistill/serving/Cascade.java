package io.flinkdistill.serving;

import io.flinkdistill.evaluation.DeferralCurve;
import io.flinkdistill.loss.Logits;
import io.flinkdistill.schemas.DeferralPoint;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves each query with the newest published student and defers it to the teacher when the student
 * is unsure: its margin (top probability minus the second) is below a threshold. The threshold is
 * fixed, or picked from the deferral curve published with the served version for a target (an
 * agreement with the teacher, or a deferral budget) and picked again at every hot swap. A teacher
 * that fails answers that query with an error; the cascade itself never throws for a query.
 * Thread-safe.
 */
public final class Cascade {
    private static final Logger LOG = LoggerFactory.getLogger(Cascade.class);

    /** The teacher as the cascade calls it: class probabilities for a batch of texts. */
    public interface Teacher {
        float[][] probabilities(List<String> texts) throws Exception;

        List<String> classes();
    }

    /** How the threshold is set. */
    public sealed interface Policy {
        /** This margin threshold, whatever the version. */
        record Fixed(double threshold) implements Policy {}

        /**
         * Picked from each version's published curve for the target: the eval window's, or the one
         * on the named benchmark set ({@code set}, null for the window).
         */
        record FromCurve(DeferralCurve.Target target, String set) implements Policy {
            public FromCurve(DeferralCurve.Target target) {
                this(target, null);
            }
        }
    }

    /** Who answered. */
    public enum Source {
        STUDENT,
        TEACHER,
        ERROR
    }

    /**
     * One answer.
     *
     * @param version the student version that saw the query (0 before any)
     * @param probabilities the answering model's class probabilities; null for an error
     * @param margin the student's margin, which decided the path
     * @param threshold the threshold it was compared with
     * @param nanos time spent on this query (the student, plus the teacher when deferred)
     * @param error why there is no answer, or null
     */
    public record Answer(
            Source source,
            long version,
            List<String> classes,
            float[] probabilities,
            double margin,
            double threshold,
            long nanos,
            String error) {
        /** The answered class's index, -1 for an error. */
        public int classIndex() {
            return probabilities == null ? -1 : Logits.argmax(probabilities);
        }

        /** The answered class's name, null for an error. */
        public String label() {
            return probabilities == null ? null : classes.get(classIndex());
        }
    }

    /** The threshold in force for one version, and the curve point it was picked at (or null). */
    public record Choice(long version, double threshold, DeferralPoint point) {}

    private final HotSwapModel student;
    private final Teacher teacher;
    private final Policy policy;
    private final Consumer<String> deferred;
    private volatile Choice choice = new Choice(-1, 0, null);

    /**
     * @param deferred receives the text of every deferred query (the samples the student should
     *     learn from next); may do nothing
     */
    public Cascade(
            HotSwapModel student, Teacher teacher, Policy policy, Consumer<String> deferred) {
        this.student = student;
        this.teacher = teacher;
        this.policy = policy;
        this.deferred = deferred;
    }

    /** The answer to one query; null when no student version has arrived yet. */
    public Answer answer(String text) {
        long start = System.nanoTime();
        HotSwapModel.Prediction p;
        try {
            p = student.predict(List.of(text));
        } catch (RuntimeException e) {
            return new Answer(
                    Source.ERROR,
                    student.version(),
                    List.of(),
                    null,
                    Double.NaN,
                    Double.NaN,
                    System.nanoTime() - start,
                    "student failed: " + e.getMessage());
        }
        if (p == null) {
            return null;
        }
        Choice c = choiceFor(p);
        float[] probs = p.probabilities()[0];
        double margin = DeferralCurve.margin(probs);
        if (!DeferralCurve.defers(margin, c.threshold())) {
            return new Answer(
                    Source.STUDENT,
                    p.version(),
                    p.classes(),
                    probs,
                    margin,
                    c.threshold(),
                    System.nanoTime() - start,
                    null);
        }
        deferred.accept(text);
        try {
            if (!teacher.classes().equals(p.classes())) {
                throw new IllegalStateException(
                        "the teacher's classes "
                                + teacher.classes()
                                + " differ from the student's "
                                + p.classes());
            }
            float[] t = teacher.probabilities(List.of(text))[0];
            return new Answer(
                    Source.TEACHER,
                    p.version(),
                    p.classes(),
                    t,
                    margin,
                    c.threshold(),
                    System.nanoTime() - start,
                    null);
        } catch (Exception | LinkageError e) {
            return new Answer(
                    Source.ERROR,
                    p.version(),
                    p.classes(),
                    null,
                    margin,
                    c.threshold(),
                    System.nanoTime() - start,
                    "teacher failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The threshold in force (for the version served last). */
    public Choice choice() {
        return choice;
    }

    private Choice choiceFor(HotSwapModel.Prediction p) {
        Choice c = choice;
        if (c.version() == p.version()) {
            return c;
        }
        synchronized (this) {
            if (choice.version() != p.version()) {
                choice = pick(p.version(), curveOf(p));
            }
            return choice;
        }
    }

    private List<DeferralPoint> curveOf(HotSwapModel.Prediction p) {
        if (!(policy instanceof Policy.FromCurve f) || f.set() == null) {
            return p.curve();
        }
        List<DeferralPoint> c = p.benchmarkCurves().get(f.set());
        if (c == null) {
            LOG.warn(
                    "Version {} has no deferral curve on benchmark set '{}' (it has {}).",
                    p.version(),
                    f.set(),
                    p.benchmarkCurves().keySet());
            return List.of();
        }
        return c;
    }

    /** A published curve (the Avro records of a model event) as curve points. */
    public static List<DeferralCurve.Point> points(List<DeferralPoint> curve) {
        List<DeferralCurve.Point> points = new ArrayList<>(curve.size());
        for (DeferralPoint d : curve) {
            points.add(
                    new DeferralCurve.Point(
                            d.getThreshold(),
                            d.getDeferred(),
                            d.getAgreement(),
                            d.getAccuracy() == null ? Double.NaN : d.getAccuracy(),
                            d.getQueries()));
        }
        return points;
    }

    /** The threshold for a version with this published curve. */
    Choice pick(long version, List<DeferralPoint> curve) {
        if (policy instanceof Policy.Fixed f) {
            return new Choice(version, f.threshold(), null);
        }
        DeferralCurve.Target target = ((Policy.FromCurve) policy).target();
        if (curve.isEmpty()) {
            LOG.warn(
                    "Version {} was published without a deferral curve: the student answers every"
                            + " query (give a fixed --threshold to defer anyway).",
                    version);
            return new Choice(version, 0, null);
        }
        List<DeferralCurve.Point> points = points(curve);
        DeferralCurve.Point best = DeferralCurve.pick(points, target);
        DeferralPoint at = curve.get(points.indexOf(best));
        if (target instanceof DeferralCurve.Target.Agreement a) {
            LOG.info(
                    "Version {}: threshold {} for agreement {} at confidence {}: on the {} queries"
                            + " it was measured on it defers {} % with agreement {} (at least {})",
                    version,
                    best.threshold(),
                    a.agreement(),
                    best.queries() > 0 ? a.confidence() : "none (query count not published)",
                    best.queries(),
                    Math.round(best.deferred() * 1000) / 10.0,
                    best.agreement(),
                    Math.round(best.agreementAtLeast(a.confidence()) * 10000) / 10000.0);
        } else {
            LOG.info(
                    "Version {}: threshold {} for {}: on its curve it defers {} % with agreement {}",
                    version,
                    best.threshold(),
                    target,
                    Math.round(best.deferred() * 1000) / 10.0,
                    best.agreement());
        }
        return new Choice(version, best.threshold(), at);
    }
}
