package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.evaluation.DeferralCurve;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.loss.Logits;
import io.flinkdistill.pipeline.replay.BundledData;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.pipeline.replay.ValidationSplit;
import io.flinkdistill.serving.OnnxStudent;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSpec;
import io.flinkdistill.training.StudentFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distill bench cascade}: the served student (INT8, pruned as published) with the teacher
 * behind it, on SST-2 test and Yelp test. Every query is timed through the student and through the
 * teacher alone (batch 1, tokenizing included, one thread each, after a warm-up), so the cascade's
 * mean latency at a threshold is the student's time on every query plus the teacher's on the
 * deferred ones. Thresholds for targets are picked on the validation split (the held-out training
 * sentences of the run that trained the student), then read on the test files once.
 */
@Command(
        name = "cascade",
        mixinStandardHelpOptions = true,
        description =
                "Student + teacher cascade: accuracy and mean latency vs share deferred, on SST-2 and Yelp test.")
public final class CascadeBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double[] AGREEMENT_TARGETS = {0.95, 0.97, 0.98, 0.99};
    private static final double[] DEFERRAL_BUDGETS = {0.1, 0.2, 0.3};

    @Mixin StudentFileOption studentFile;

    @Option(
            names = "--teacher-head",
            defaultValue = "demo-out/teacher-head-e5-small-v2-q.json",
            description = "The head the student was distilled from (default: ${DEFAULT-VALUE}).")
    Path teacherHead;

    @Option(
            names = "--validation-size",
            defaultValue = "800",
            description =
                    "Sentences of the validation split the run held out (default: ${DEFAULT-VALUE}).")
    int validationSize;

    @Option(
            names = "--warmup",
            defaultValue = "50",
            description = "Queries per model before timing (default: ${DEFAULT-VALUE}).")
    int warmup;

    @picocli.CommandLine.Mixin JsonOutput json = new JsonOutput();

    /** Per query of one set: the student's and the teacher's answers and times. */
    private record Measured(
            String name,
            int[] gold,
            float[][] student,
            int[] teacher,
            long[] studentNanos,
            long[] teacherNanos) {}

    @Override
    public Integer call() throws Exception {
        for (Path p : List.of(studentFile.path, teacherHead)) {
            if (!Files.isReadable(p)) {
                throw new JobOptions.OptionException(
                        p == studentFile.path ? "--student" : "--teacher-head",
                        "file " + p + " does not exist; train one with './distill demo' first");
            }
        }
        JobOptions.atLeastOption("--warmup", warmup, 0);
        StudentFile.Loaded saved = StudentFile.read(studentFile.path);
        LinearHead head = LinearHead.load(teacherHead);
        TeacherSpec spec = TeacherSpec.parse(head.encoder);
        double prune = saved.provenance().pruneThreshold();
        byte[] int8 =
                StudentExporter.export(
                        saved.config(),
                        saved.weights(),
                        saved.provenance(),
                        StudentOnnxExport.Precision.INT8,
                        prune);
        long seed = saved.provenance().option("seed").map(Long::parseLong).orElse(42L);
        List<TsvRow> train = new ArrayList<>(BundledData.read("sst2", "train.tsv").rows());
        Collections.shuffle(train, new Random(seed));
        List<TsvRow> validation = ValidationSplit.carve(train, validationSize).validation();

        io.flinkdistill.serving.CpuFeatures cpu = io.flinkdistill.serving.CpuFeatures.detect();
        ObjectNode report = JSON.createObjectNode();
        report.put("cpu", cpu.model());
        report.put("student", studentFile.path.toString());
        report.put("student_format", "onnx-int8, FFN pruned at " + prune);
        report.put("teacher", spec.name());
        report.put("threads", 1);
        report.put("warmup_queries", warmup);
        report.put("confidence", "margin: top probability minus the second");
        System.out.printf(
                "Cascade of %s (INT8, pruned at %s) and %s, one thread each, on %s.%n",
                studentFile.path, prune, spec.name(), cpu.model());
        try (OnnxStudent s = OnnxStudent.open(int8, 1);
                OnnxTeacher t = OnnxTeacher.open(spec, head, 64, 1)) {
            List<String> classes = head.classes;
            Measured val = measure("validation", validation, classes, s, t, false);
            List<DeferralCurve.Point> valCurve =
                    DeferralCurve.measure(val.student(), val.teacher(), val.gold());
            ObjectNode sets = report.putObject("sets");
            for (String set : List.of("sst2", "yelp")) {
                List<TsvRow> rows = BundledData.read(set, "test.tsv").rows();
                Measured m = measure(set + "-test", rows, classes, s, t, true);
                sets.set(set, describe(m, valCurve));
            }
        }
        json.write(report);
        return 0;
    }

    private Measured measure(
            String name,
            List<TsvRow> rows,
            List<String> classes,
            OnnxStudent s,
            OnnxTeacher t,
            boolean timed) {
        int n = rows.size();
        int[] gold = rows.stream().mapToInt(r -> classes.indexOf(r.label())).toArray();
        float[][] student = new float[n][];
        int[] teacher = new int[n];
        long[] sNanos = new long[n];
        long[] tNanos = new long[n];
        if (timed) {
            for (int i = 0; i < Math.min(warmup, n); i++) {
                s.predict(List.of(rows.get(i).text()));
                t.infer(List.of(rows.get(i).text()));
            }
        }
        for (int i = 0; i < n; i++) {
            String text = rows.get(i).text();
            long a = System.nanoTime();
            student[i] = s.predict(List.of(text))[0];
            long b = System.nanoTime();
            teacher[i] = t.infer(List.of(text)).get(0).predictedClass();
            long c = System.nanoTime();
            sNanos[i] = b - a;
            tNanos[i] = c - b;
        }
        return new Measured(name, gold, student, teacher, sNanos, tNanos);
    }

    private ObjectNode describe(Measured m, List<DeferralCurve.Point> valCurve) {
        int n = m.gold().length;
        double teacherAcc = 0;
        double studentAcc = 0;
        double teacherMs = 0;
        double studentMs = 0;
        for (int i = 0; i < n; i++) {
            teacherAcc += m.teacher()[i] == m.gold()[i] ? 1 : 0;
            studentAcc += Logits.argmax(m.student()[i]) == m.gold()[i] ? 1 : 0;
            teacherMs += m.teacherNanos()[i] / 1e6;
            studentMs += m.studentNanos()[i] / 1e6;
        }
        teacherAcc /= n;
        studentAcc /= n;
        teacherMs /= n;
        studentMs /= n;
        ObjectNode o = JSON.createObjectNode();
        o.put("queries", n);
        o.put("teacher_accuracy", round(teacherAcc));
        o.put("student_accuracy", round(studentAcc));
        o.put("teacher_mean_ms", round(teacherMs));
        o.put("student_mean_ms", round(studentMs));
        System.out.printf(
                Locale.ROOT,
                "%s (%d queries): teacher %.1f %% in %.2f ms/query; student %.1f %% in %.2f ms/query%n",
                m.name(),
                n,
                100 * teacherAcc,
                teacherMs,
                100 * studentAcc,
                studentMs);
        ArrayNode curve = o.putArray("curve");
        List<DeferralCurve.Point> points =
                DeferralCurve.measure(m.student(), m.teacher(), m.gold());
        System.out.printf("  threshold  deferred  accuracy  agreement  mean ms  vs teacher%n");
        for (DeferralCurve.Point p : points) {
            double ms = meanMs(m, p.threshold());
            ObjectNode c = curve.addObject();
            c.put("threshold", p.threshold());
            c.put("deferred", round(p.deferred()));
            c.put("accuracy", round(p.accuracy()));
            c.put("agreement", round(p.agreement()));
            c.put("mean_ms", round(ms));
            c.put("latency_ratio_to_teacher", round(ms / teacherMs));
            if (Math.round(p.threshold() * 50) % 5 == 0 || p.threshold() > 1) {
                System.out.printf(
                        Locale.ROOT,
                        "  %9.2f  %7.1f %%  %7.1f %%  %8.1f %%  %7.2f  %9.2f%n",
                        p.threshold(),
                        100 * p.deferred(),
                        100 * p.accuracy(),
                        100 * p.agreement(),
                        ms,
                        ms / teacherMs);
            }
        }
        ArrayNode picked = o.putArray("picked_on_validation");
        List<DeferralCurve.Target> targets = new ArrayList<>();
        for (double a : AGREEMENT_TARGETS) {
            targets.add(new DeferralCurve.Target.Agreement(a));
        }
        for (double d : DEFERRAL_BUDGETS) {
            targets.add(new DeferralCurve.Target.MaxDeferral(d));
        }
        for (DeferralCurve.Target target : targets) {
            DeferralCurve.Point onVal = DeferralCurve.pick(valCurve, target);
            DeferralCurve.Point onTest = at(points, onVal.threshold());
            ObjectNode p = picked.addObject();
            p.put("target", target.toString());
            p.put("threshold", onVal.threshold());
            p.put("validation_deferred", round(onVal.deferred()));
            p.put("validation_agreement", round(onVal.agreement()));
            p.put("validation_accuracy", round(onVal.accuracy()));
            p.put("test_deferred", round(onTest.deferred()));
            p.put("test_agreement", round(onTest.agreement()));
            p.put("test_accuracy", round(onTest.accuracy()));
            p.put("test_mean_ms", round(meanMs(m, onVal.threshold())));
            System.out.printf(
                    Locale.ROOT,
                    "  %s: threshold %.2f; validation: %.1f %% deferred, agreement %.1f %%,"
                            + " accuracy %.1f %%; test: %.1f %% deferred, agreement %.1f %%,"
                            + " accuracy %.1f %%, %.2f ms/query%n",
                    target,
                    onVal.threshold(),
                    100 * onVal.deferred(),
                    100 * onVal.agreement(),
                    100 * onVal.accuracy(),
                    100 * onTest.deferred(),
                    100 * onTest.agreement(),
                    100 * onTest.accuracy(),
                    meanMs(m, onVal.threshold()));
        }
        return o;
    }

    private static DeferralCurve.Point at(List<DeferralCurve.Point> points, double threshold) {
        return points.stream().filter(p -> p.threshold() == threshold).findFirst().orElseThrow();
    }

    /** Student time on every query plus teacher time on the deferred ones, per query. */
    private static double meanMs(Measured m, double threshold) {
        double total = 0;
        for (int i = 0; i < m.gold().length; i++) {
            total += m.studentNanos()[i];
            if (DeferralCurve.defers(DeferralCurve.margin(m.student()[i]), threshold)) {
                total += m.teacherNanos()[i];
            }
        }
        return total / m.gold().length / 1e6;
    }

    private static double round(double v) {
        return Double.isNaN(v) ? Double.NaN : Math.round(v * 10000) / 10000.0;
    }
}
