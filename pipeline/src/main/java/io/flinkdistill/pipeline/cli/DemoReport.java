package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.serving.CpuFeatures;
import io.flinkdistill.training.StudentFile;
import java.nio.file.Path;

/**
 * What a demo run found, as {@code report.json} and as the summary it prints: the label budget, the
 * job, the fair baseline, teacher, student and baseline on the test file and on validation, and the
 * student as served.
 */
final class DemoReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Samples streamed, how many kept their gold label, and the head rows' labels. */
    record Labels(long produced, long labelled, int headLabels) {
        long total() {
            return headLabels + labelled;
        }

        long rows() {
            return headLabels + produced;
        }
    }

    /** The distillation job: its last metrics record, its duration and the student it wrote. */
    /**
     * @param visibleAfterMillis per metrics record, its reader's arrival time minus its timestamp
     */
    record Run(
            DistillMetrics last,
            double seconds,
            StudentFile.Loaded saved,
            Path studentFile,
            java.util.List<Long> visibleAfterMillis) {}

    /** The fair baseline: its training (null for the one-pass form), gold rows, time, file. */
    record Baseline(BaselineTraining.Result result, int samples, double seconds, Path file) {}

    /** The measurements after the run. */
    record Evaluations(
            TestSetEvaluation test,
            TestSetEvaluation validation,
            int validationRelated,
            double[] finalWeights,
            ServingCheck.Result serving,
            CascadeCheck.Result cascade) {}

    private final JobOptions job;
    private final double labelledFraction;
    private final JobSettings settings;
    private final Path testFile;
    private final double wallSeconds;
    private final Labels labels;
    private final Run run;
    private final Baseline baseline;
    private final Evaluations ev;
    private final CpuFeatures cpu;

    DemoReport(
            JobOptions job,
            double labelledFraction,
            JobSettings settings,
            Path testFile,
            double wallSeconds,
            Labels labels,
            Run run,
            Baseline baseline,
            Evaluations ev,
            CpuFeatures cpu) {
        this.job = job;
        this.labelledFraction = labelledFraction;
        this.settings = settings;
        this.testFile = testFile;
        this.wallSeconds = wallSeconds;
        this.labels = labels;
        this.run = run;
        this.baseline = baseline;
        this.ev = ev;
        this.cpu = cpu;
    }

    private String teacherNames() {
        return String.join("+", settings.teacher().names());
    }

    ObjectNode toJson() {
        StudentFile.Loaded saved = run.saved();
        TestSetEvaluation eval = ev.test();
        TestSetEvaluation validation = ev.validation();
        ServingCheck.Result serving = ev.serving();
        DistillMetrics last = run.last();
        ObjectNode report = JSON.createObjectNode();
        report.put("samples_trained", saved.samplesTrained());
        report.put("samples_streamed", labels.produced());
        report.put("samples_labelled", labels.labelled());
        report.put("labelled_fraction", labelledFraction);
        report.put("training_steps", saved.step());
        // Teacher calls on training samples are the samples trained; the budget skipped the rest.
        long skipped = skipped();
        if (!run.visibleAfterMillis().isEmpty()) {
            long[] v = visibleAfter();
            ObjectNode vis = report.putObject("metrics_visible_after_ms");
            vis.put("exactly_once_topics", job.exactlyOnceTopics);
            vis.put("records", v.length);
            vis.put("p50", v[v.length / 2]);
            vis.put("p90", v[(int) Math.min(v.length - 1, Math.round(0.9 * (v.length - 1)))]);
            vis.put("max", v[v.length - 1]);
        }
        ObjectNode budget = report.putObject("teacher_budget");
        budget.put("budget", settings.selection().budget().toString());
        budget.put("selection", settings.selection().describe());
        budget.put("samples_skipped", skipped);
        budget.put(
                "teacher_share_of_training",
                round(
                        saved.samplesTrained()
                                / (double) Math.max(1, saved.samplesTrained() + skipped)));
        // Augmentation: variants scored by the teacher and trained on, beside the stream's samples.
        long augmented = run.saved().provenance().trained().augmented();
        ObjectNode aug = report.putObject("augmentation");
        aug.put("copies", settings.augmentation().copies());
        aug.put("samples_augmented", augmented);
        aug.put(
                "teacher_calls_per_trained_sample",
                round(
                        (saved.samplesTrained() + augmented)
                                / (double) Math.max(1, saved.samplesTrained())));
        report.put("wall_seconds", round(wallSeconds));
        report.put("job_seconds", round(run.seconds()));
        // Trained samples per second of job time (the eval slice is evaluated, not trained).
        report.put("samples_per_second", round(saved.samplesTrained() / run.seconds()));
        report.put("samples_streamed_per_second", round(labels.produced() / run.seconds()));
        ObjectNode l = report.putObject("labels");
        l.put("head", labels.headLabels());
        l.put("stream", labels.labelled());
        l.put("total", labels.total());
        l.put("rows", labels.rows());
        l.put("fraction_of_rows", round(labels.total() / (double) labels.rows()));
        report.put("test_file", testFile.toString());
        report.put("test_size", eval.size());
        ObjectNode t = report.putObject("teacher");
        t.put("model", teacherNames());
        t.put("accuracy", round(eval.teacherAccuracy()));
        t.put("params", eval.teacherParams());
        java.util.List<String> names = settings.teacher().names();
        if (names.size() > 1) {
            t.put("fusion", job.fusion.label());
            t.put("params_all_teachers", eval.allTeacherParams());
            ObjectNode members = t.putObject("members");
            for (int i = 0; i < names.size(); i++) {
                ObjectNode m = members.putObject(names.get(i));
                m.put("accuracy", round(eval.teacherAccuracies().get(names.get(i))));
                m.put("final_weight", round(ev.finalWeights()[i]));
            }
        }
        ObjectNode s = report.putObject("student");
        s.put("name", job.student);
        s.put("accuracy", round(eval.studentAccuracy()));
        s.put("params", eval.studentParams());
        s.put("path", run.studentFile().toAbsolutePath().toString());
        s.put("size_ratio", round(eval.studentParams() / (double) eval.teacherParams()));
        s.put("phase", last == null ? "none" : last.getPhase());
        s.put("loss_policy", job.lossPolicy.label());
        if (last != null) {
            ObjectNode lw = s.putObject("loss_weights");
            lw.put("soft", round(last.getWeightSoft()));
            lw.put("feature", round(last.getWeightFeature()));
            lw.put("attention", round(last.getWeightAttention()));
            s.put("eval_agreement", round(last.getEvalAgreement()));
            s.put("eval_ece", round(last.getEvalEce()));
            s.put("drift_events", last.getDriftEvents());
        }
        s.put("onnx_path", serving.newestPublished());
        s.put("versions_published", serving.versions());
        s.put("unpruned_onnx_accuracy", round(serving.unprunedAccuracy()));
        s.put("onnx_accuracy", round(serving.fp32Accuracy()));
        s.put("prune_threshold", serving.pruneThreshold());
        s.put("int8_accuracy", round(serving.int8Accuracy()));
        s.put("int8_bytes", serving.int8Bytes());
        s.put("int8_agreement_with_fp32", round(serving.int8Agreement()));
        s.put("int8_cpu", cpu.describe());
        ObjectNode provenance = s.putObject("provenance");
        saved.provenance().entries().forEach(provenance::put);
        ObjectNode b = report.putObject("baseline");
        BaselineTraining.Result fit = baseline.result();
        b.put(
                "description",
                fit == null
                        ? "same student, every gold label of the run (head rows + stream labels), one pass, cross-entropy, no teacher"
                        : "same student, every gold label of the run (head rows + stream labels), cross-entropy, no teacher, epochs until validation accuracy stops improving (at least the distilled student's steps), learning rate chosen on validation");
        b.put("samples", baseline.samples());
        b.put("accuracy", round(eval.baselineAccuracy()));
        b.put("seconds", round(baseline.seconds()));
        if (fit != null) {
            b.put("learning_rate", fit.learningRate());
            b.put("epochs", fit.epochs());
            b.put("best_epoch", fit.bestEpoch());
            b.put("steps", fit.steps());
            b.put("validation_accuracy", round(fit.validationAccuracy()));
            ObjectNode grid = b.putObject("validation_accuracy_by_learning_rate");
            fit.validationByRate().forEach((r, a) -> grid.put(Double.toString(r), round(a)));
        }
        if (validation != null) {
            ObjectNode v = report.putObject("validation");
            v.put(
                    "description",
                    "sentences held out of the training file with every overlapping training row; used for tuning");
            v.put("size", validation.size());
            v.put("related_rows_removed", ev.validationRelated());
            v.put("teacher_accuracy", round(validation.teacherAccuracy()));
            v.put("student_accuracy", round(validation.studentAccuracy()));
            v.put("baseline_accuracy", round(validation.baselineAccuracy()));
            v.put("agreement", round(validation.agreement()));
            validation.byLength().writeTo(v.putObject("by_length"));
            v.put(
                    "accuracy_retained",
                    round(validation.studentAccuracy() / validation.teacherAccuracy()));
            v.put(
                    "distillation_gain",
                    round(validation.studentAccuracy() - validation.baselineAccuracy()));
        }
        report.put("agreement", round(eval.agreement()));
        eval.byLength().writeTo(report.putObject("by_length"));
        report.put("accuracy_retained", round(eval.studentAccuracy() / eval.teacherAccuracy()));
        report.put("distillation_gain", round(eval.studentAccuracy() - eval.baselineAccuracy()));
        report.put("size_ratio", round(eval.studentParams() / (double) eval.teacherParams()));
        report.put("speedup_b1", round(serving.speedupB1()));
        if (ev.cascade() != null) {
            ObjectNode c = report.putObject("cascade");
            c.put("version", ev.cascade().version());
            c.put("format", "onnx-int8");
            c.put(
                    "measures",
                    "threshold picked from the deferral curve published with the version (its eval"
                            + " window) for each agreement target (a point counts when the lower"
                            + " bound of its agreement at the confidence reaches the target), then"
                            + " read on the test file");
            putPicks(c.putArray("targets"), ev.cascade().picks());
            if (!ev.cascade().validationPicks().isEmpty()) {
                // window_* are then the published curve of the validation benchmark set.
                putPicks(c.putArray("validation_targets"), ev.cascade().validationPicks());
                putPicks(
                        c.putArray("validation_targets_as_measured"),
                        ev.cascade().validationPicksAsMeasured());
            }
        }
        report.put(
                "speedup_b1_measures",
                "median latency of one query (tokenizing included), 1 ONNX Runtime thread, after the"
                        + " same warm-up (every test sentence once, then 20 queries): teacher "
                        + teacherNames()
                        + " over the exported fp32 student as published (FFN pruned at "
                        + serving.pruneThreshold()
                        + "), on "
                        + cpu.model());
        return report;
    }

    /** The summary on the console, naming the files written. */
    void print(Path reportFile, Path html, Path recording) {
        TestSetEvaluation eval = ev.test();
        TestSetEvaluation validation = ev.validation();
        ServingCheck.Result serving = ev.serving();
        java.util.List<String> names = settings.teacher().names();
        System.out.printf(
                "%nOn %s (%d sentences): teacher %s accuracy %.1f %% (%,d params); student accuracy %.1f %% (%,d params, %.1fx smaller); agreement %.1f %%.%n",
                testFile.getFileName(),
                eval.size(),
                teacherNames(),
                100 * eval.teacherAccuracy(),
                eval.teacherParams(),
                100 * eval.studentAccuracy(),
                eval.studentParams(),
                eval.teacherParams() / (double) eval.studentParams(),
                100 * eval.agreement());
        if (names.size() > 1) {
            StringBuilder members = new StringBuilder();
            for (int i = 0; i < names.size(); i++) {
                members.append(
                        String.format(
                                "%s%s %.1f %% (weight %.2f)",
                                i == 0 ? "" : ", ",
                                names.get(i),
                                100 * eval.teacherAccuracies().get(names.get(i)),
                                ev.finalWeights()[i]));
            }
            System.out.printf(
                    "Fused teacher %.1f %%; alone: %s.%n", 100 * eval.teacherAccuracy(), members);
        }
        BaselineTraining.Result fit = baseline.result();
        System.out.printf(
                "Baseline (the same student on all %d gold labels of the run, no teacher%s): %.1f %%.%n",
                baseline.samples(),
                fit == null
                        ? ", one pass"
                        : String.format(
                                ", %d steps in %d epochs, learning rate %.0e chosen on validation",
                                fit.steps(), fit.bestEpoch(), fit.learningRate()),
                100 * eval.baselineAccuracy());
        if (validation != null) {
            System.out.printf(
                    "On the validation split (%d sentences): teacher %.1f %%, student %.1f %%, baseline %.1f %%, agreement %.1f %%.%n",
                    validation.size(),
                    100 * validation.teacherAccuracy(),
                    100 * validation.studentAccuracy(),
                    100 * validation.baselineAccuracy(),
                    100 * validation.agreement());
        }
        System.out.printf(
                "Exported: unpruned ONNX fp32 %.1f %%; as published (FFN pruned at %s) fp32 %.1f %%, INT8 %.1f %% (%.1f MB, agrees with fp32 on %.1f %%, on %s); one query %.1fx faster than the teacher; %d versions published to %s.%n",
                100 * serving.unprunedAccuracy(),
                serving.pruneThreshold() == 0
                        ? "0: none"
                        : Double.toString(serving.pruneThreshold()),
                100 * serving.fp32Accuracy(),
                100 * serving.int8Accuracy(),
                serving.int8Bytes() / 1e6,
                100 * serving.int8Agreement(),
                cpu.describe(),
                serving.speedupB1(),
                serving.versions(),
                job.publish.modelStore);
        if (ev.cascade() != null) {
            printPicks(ev.cascade().version(), "its eval window", ev.cascade().picks());
            printPicks(
                    ev.cascade().version(),
                    "the validation set's published curve",
                    ev.cascade().validationPicks());
        }
        System.out.printf(
                "Gold labels used: %d head rows + %d stream labels = %.1f %% of the %d rows.%n",
                labels.headLabels(),
                labels.labelled(),
                100.0 * labels.total() / labels.rows(),
                labels.rows());
        long skipped = skipped();
        if (!run.visibleAfterMillis().isEmpty()) {
            long[] v = visibleAfter();
            System.out.printf(
                    "Metrics records reached their reader %d ms after they were made (median of %d;"
                            + " max %d ms; exactly-once topics %s).%n",
                    v[v.length / 2],
                    v.length,
                    v[v.length - 1],
                    job.exactlyOnceTopics ? "on" : "off");
        }
        if (settings.selection().active()) {
            System.out.printf(
                    "Teacher budget (%s): %d training samples scored and trained, %d skipped.%n",
                    settings.selection().describe(), run.saved().samplesTrained(), skipped);
        }
        System.out.printf(
                "Trained on %d samples in %.0f s (%.0f trained samples/s). Report: %s and %s (metrics: %s)%n",
                run.saved().samplesTrained(),
                run.seconds(),
                run.saved().samplesTrained() / run.seconds(),
                reportFile,
                html,
                recording);
    }

    /** How long after its making each metrics record reached its reader, in ms, ascending. */
    private long[] visibleAfter() {
        return run.visibleAfterMillis().stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /**
     * Training samples the teacher budget skipped, as the final student's provenance counts them.
     */
    private long skipped() {
        return run.saved().provenance().trained().skipped();
    }

    private static void printPicks(
            long version, String curve, java.util.List<CascadeCheck.Pick> picks) {
        for (CascadeCheck.Pick p : picks) {
            System.out.printf(
                    "Cascade (v%d INT8, target agreement %.2f at confidence %.2f): threshold %.2f"
                            + " from %s (%.1f %% deferred, agreement %.1f %%, at least %.1f %%);"
                            + " on the test file %.1f %% deferred, agreement %.1f %%, accuracy"
                            + " %.1f %%.%n",
                    version,
                    p.target(),
                    p.confidence(),
                    p.threshold(),
                    curve,
                    100 * p.windowDeferred(),
                    100 * p.windowAgreement(),
                    100 * p.windowAgreementAtLeast(),
                    100 * p.testDeferred(),
                    100 * p.testAgreement(),
                    100 * p.testAccuracy());
        }
    }

    private static void putPicks(
            com.fasterxml.jackson.databind.node.ArrayNode out,
            java.util.List<CascadeCheck.Pick> picks) {
        for (CascadeCheck.Pick p : picks) {
            ObjectNode o = out.addObject();
            o.put("target_agreement", p.target());
            o.put("confidence", p.confidence());
            o.put("threshold", p.threshold());
            o.put("window_deferred", round(p.windowDeferred()));
            o.put("window_agreement", round(p.windowAgreement()));
            o.put("window_agreement_at_least", round(p.windowAgreementAtLeast()));
            o.put("test_deferred", round(p.testDeferred()));
            o.put("test_agreement", round(p.testAgreement()));
            o.put("test_accuracy", round(p.testAccuracy()));
        }
    }

    static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
