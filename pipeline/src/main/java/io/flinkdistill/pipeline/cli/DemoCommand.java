package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.pipeline.job.DistillationJob;
import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.pipeline.job.KafkaWiring;
import io.flinkdistill.pipeline.kafka.LocalKafka;
import io.flinkdistill.pipeline.kafka.Topics;
import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.serving.ModelStore;
import io.flinkdistill.serving.OnnxStudent;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distill demo}: a complete local run. Starts a Kafka broker (unless one is given), replays
 * a labelled file as live, mostly unlabelled data, distils a student on a Flink MiniCluster while
 * printing progress, then measures teacher and student on a test file and writes report.json.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Run the whole pipeline locally on a replayed dataset (SST-2 by default) and write DIR/report.json.")
public final class DemoCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin JobOptions job = new JobOptions();

    @Option(
            names = "--max-samples",
            defaultValue = "60000",
            description = "Stream at most this many training samples (default: ${DEFAULT-VALUE}).")
    int maxSamples;

    @Option(
            names = "--out",
            defaultValue = "demo-out",
            description =
                    "Output directory: Kafka data, checkpoints, student, report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--train",
            description = "Training file, text<TAB>label (default: the bundled SST-2 train.tsv).")
    Path train;

    @Option(
            names = "--test",
            description = "Test file, text<TAB>label (default: the bundled SST-2 test.tsv).")
    Path test;

    @Option(
            names = "--labelled-fraction",
            defaultValue = "0.05",
            description =
                    "Share of streamed samples that keep their gold label (default: ${DEFAULT-VALUE}).")
    double labelledFraction;

    @Option(
            names = "--head-samples",
            defaultValue = "4000",
            description =
                    "Labelled rows used to fit the teacher head when --teacher-head is absent (default: ${DEFAULT-VALUE}).")
    int headSamples;

    @Option(
            names = "--passes",
            defaultValue = "1",
            description =
                    "How many times the training rows are replayed; later passes carry new ids, as the same texts seen again later (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(
            names = "--rate",
            defaultValue = "0",
            description =
                    "Replay rate in samples/s, 0 = as fast as Kafka takes them (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--validation-size",
            defaultValue = "800",
            description =
                    "Sentences held out of the training file for validation, with every training phrase they contain or that contains them; 0 = none (default: ${DEFAULT-VALUE}).")
    int validationSize;

    @Option(
            names = "--baseline-learning-rates",
            split = ",",
            defaultValue = "3e-4,1e-3,3e-3",
            description =
                    "Learning rates the label-only baseline tries; the one with the best validation accuracy is kept (default: ${DEFAULT-VALUE}).")
    List<Double> baselineRates;

    @Override
    public Integer call() throws Exception {
        validate();
        long started = System.nanoTime();
        Files.createDirectories(out);
        TsvDataset trainData = TsvDataset.read(train != null ? train : bundled("train.tsv"));
        TsvDataset testData = TsvDataset.read(test != null ? test : bundled("test.tsv"));
        List<String> classes = trainData.classes();
        if (classes.size() < 2) {
            throw new JobOptions.OptionException(
                    "--train", "needs labels of at least two classes, found " + classes);
        }
        List<TeacherSpec> specs = job.teacherSpecs();
        List<TsvRow> rows = new ArrayList<>(trainData.rows());
        Collections.shuffle(rows, new Random(job.seed));
        // Validation comes out first: no head, stream or baseline row overlaps it.
        io.flinkdistill.pipeline.replay.ValidationSplit.Split validationSplit =
                io.flinkdistill.pipeline.replay.ValidationSplit.carve(rows, validationSize);
        rows = new ArrayList<>(validationSplit.training());
        List<TsvRow> validationRows = validationSplit.validation();
        if (validationSize > 0) {
            System.out.printf(
                    "Validation: %d sentences of %s held out, with the %d training rows that overlap them.%n",
                    validationRows.size(),
                    trainData.file().getFileName(),
                    validationSplit.related());
        }

        Map<String, LinearHead> given = job.loadHeads();
        List<TsvRow> stream = rows;
        List<LinearHead> heads = new ArrayList<>();
        int n = Math.min(headSamples, rows.size() / 2);
        boolean fittedHead = false;
        for (TeacherSpec spec : specs) {
            LinearHead head = given.get(spec.name());
            if (head == null && !spec.hasOwnClassifier()) {
                long t0 = System.nanoTime();
                try {
                    head = HeadTraining.fit(spec, rows.subList(0, n), classes, job.maxTokens, 2);
                } catch (IllegalArgumentException e) {
                    throw new JobOptions.OptionException("--teacher", e.getMessage());
                }
                Path headFile = out.resolve("teacher-head-" + spec.name() + ".json");
                head.save(headFile);
                System.out.printf(
                        "No --teacher-head for %s: fitted a logistic-regression head on %d labelled rows of %s in %.1f s (%s).%n",
                        spec.name(),
                        n,
                        trainData.file().getFileName(),
                        (System.nanoTime() - t0) / 1e9,
                        headFile);
                // Rows a head was fitted on are not streamed: the stream stays unseen data.
                stream = rows.subList(n, rows.size());
                fittedHead = true;
            }
            heads.add(head);
        }
        stream = stream.subList(0, Math.min(maxSamples, stream.size()));
        // Gold labels the run uses: the rows a head was fitted on, plus the stream's labels.
        int headLabels = fittedHead ? n : 0;

        Path exportDir = out.resolve("student");
        Path modelsDir = out.resolve("models");
        if (job.modelStore == null) {
            deleteRecursively(modelsDir);
            job.modelStore = modelsDir.toAbsolutePath().toUri().toString();
        }
        JobSettings settings;
        settings =
                job.jobSettings(
                        heads,
                        (long) stream.size() * passes,
                        exportDir.toAbsolutePath().toString());

        LocalKafka local = null;
        try {
            String bootstrap = job.bootstrapServers;
            if (bootstrap == null) {
                long t0 = System.nanoTime();
                // A demo run starts from an empty broker: no samples or offsets of an earlier run.
                deleteRecursively(out.resolve("kafka"));
                local = LocalKafka.start(out.resolve("kafka"));
                bootstrap = local.bootstrapServers();
                System.out.printf(
                        "Started a local Kafka broker on %s in %.1f s.%n",
                        bootstrap, (System.nanoTime() - t0) / 1e9);
            }
            Map<String, Object> client = job.kafkaClientConfig(bootstrap);
            Topics.ensure(client, job.topicPartitions(), Duration.ofSeconds(60));

            EvalSplit labelKeeper =
                    new EvalSplit(Math.max(1e-4, Math.min(labelledFraction, 0.9999)));
            final TsvDataset data = trainData;
            long labelled =
                    stream.stream()
                            .filter(
                                    r ->
                                            labelledFraction > 0
                                                    && labelKeeper.isEval("label:" + data.idOf(r)))
                            .count();
            long produced = 0;
            for (int pass = 1; pass <= passes; pass++) {
                produced +=
                        SampleProducer.produce(
                                client,
                                job.samplesTopic,
                                trainData,
                                stream,
                                pass,
                                r ->
                                        labelledFraction > 0
                                                && labelKeeper.isEval("label:" + data.idOf(r)),
                                rate);
            }
            labelled *= passes;
            System.out.printf(
                    "Replayed %d samples of %s onto %s; %d (%.1f %%) keep their label, the rest are unlabelled.%n",
                    produced,
                    trainData.file().getFileName(),
                    job.samplesTopic,
                    labelled,
                    100.0 * labelled / Math.max(1, produced));

            long jobStart = System.nanoTime();
            DistillMetrics last =
                    runJob(settings, job.kafkaSettings(bootstrap, true), client, jobStart);
            double jobSeconds = (System.nanoTime() - jobStart) / 1e9;

            // The baseline: the labelled training samples of the same stream, in the same order.
            EvalSplit evalSplit = new EvalSplit(job.evalFraction);
            List<TsvRow> labelledStream = new ArrayList<>();
            for (int pass = 1; pass <= passes; pass++) {
                for (TsvRow r : stream) {
                    String id = pass == 1 ? data.idOf(r) : data.idOf(r) + "/p" + pass;
                    if (labelledFraction > 0
                            && labelKeeper.isEval("label:" + data.idOf(r))
                            && !evalSplit.isEval(id)) {
                        labelledStream.add(r);
                    }
                }
            }
            Path studentFile = exportDir.resolve(job.student + ".student");
            var saved = io.flinkdistill.training.StudentFile.read(studentFile);
            // The fair baseline: every gold label the run used (head rows and stream labels), to
            // convergence on validation, its learning rate chosen there.
            List<TsvRow> gold = new ArrayList<>();
            if (headLabels > 0) {
                gold.addAll(rows.subList(0, headLabels));
            }
            gold.addAll(labelledStream);
            Path baselineFile = exportDir.resolve("baseline.student");
            long baselineStart = System.nanoTime();
            BaselineTraining.Result baseline = null;
            if (validationRows.isEmpty()) {
                BaselineTraining.train(
                        settings.trainer(),
                        specs.get(0),
                        settings.teacher().classes(),
                        gold,
                        job.maxTokens,
                        baselineFile);
            } else {
                baseline =
                        BaselineTraining.trainToConvergence(
                                settings.trainer(),
                                specs.get(0),
                                settings.teacher().classes(),
                                gold,
                                validationRows,
                                saved.step(),
                                baselineRates,
                                job.seed,
                                job.maxTokens,
                                baselineFile);
            }
            double baselineSeconds = (System.nanoTime() - baselineStart) / 1e9;

            double[] finalWeights = finalWeights(settings, last);
            java.util.function.Function<List<TsvRow>, TestSetEvaluation> evaluate =
                    on -> {
                        try {
                            return TestSetEvaluation.run(
                                    specs,
                                    heads,
                                    settings.teacher().classes(),
                                    finalWeights,
                                    studentFile,
                                    baselineFile,
                                    on,
                                    job.maxTokens,
                                    2);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    };
            TestSetEvaluation eval = evaluate.apply(testData.rows());
            TestSetEvaluation validation =
                    validationRows.isEmpty() ? null : evaluate.apply(validationRows);
            Serving serving = serving(specs.get(0), heads.get(0), saved, testData.rows(), settings);
            io.flinkdistill.serving.CpuFeatures cpu = io.flinkdistill.serving.CpuFeatures.detect();
            ObjectNode report = JSON.createObjectNode();
            report.put("samples_trained", saved.samplesTrained());
            report.put("samples_streamed", produced);
            report.put("samples_labelled", labelled);
            report.put("labelled_fraction", labelledFraction);
            report.put("training_steps", saved.step());
            report.put("wall_seconds", round((System.nanoTime() - started) / 1e9));
            report.put("job_seconds", round(jobSeconds));
            // Trained samples per second of job time (the eval slice is evaluated, not trained).
            report.put("samples_per_second", round(saved.samplesTrained() / jobSeconds));
            report.put("samples_streamed_per_second", round(produced / jobSeconds));
            ObjectNode labels = report.putObject("labels");
            labels.put("head", headLabels);
            labels.put("stream", labelled);
            labels.put("total", headLabels + labelled);
            labels.put("rows", headLabels + produced);
            labels.put(
                    "fraction_of_rows",
                    round((headLabels + labelled) / (double) (headLabels + produced)));
            report.put("test_file", testData.file().toString());
            report.put("test_size", eval.size());
            ObjectNode t = report.putObject("teacher");
            t.put("model", String.join("+", settings.teacher().names()));
            t.put("accuracy", round(eval.teacherAccuracy()));
            t.put("params", eval.teacherParams());
            if (specs.size() > 1) {
                t.put("fusion", job.fusion);
                t.put("params_all_teachers", eval.allTeacherParams());
                ObjectNode members = t.putObject("members");
                for (int i = 0; i < specs.size(); i++) {
                    ObjectNode m = members.putObject(specs.get(i).name());
                    m.put("accuracy", round(eval.teacherAccuracies().get(specs.get(i).name())));
                    m.put("final_weight", round(finalWeights[i]));
                }
            }
            ObjectNode s = report.putObject("student");
            s.put("name", job.student);
            s.put("accuracy", round(eval.studentAccuracy()));
            s.put("params", eval.studentParams());
            s.put("path", studentFile.toAbsolutePath().toString());
            s.put("size_ratio", round(eval.studentParams() / (double) eval.teacherParams()));
            s.put("phase", last == null ? "none" : last.getPhase());
            s.put("loss_policy", job.lossPolicy);
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
            s.put("onnx_accuracy", round(serving.fp32Accuracy()));
            s.put("int8_accuracy", round(serving.int8Accuracy()));
            s.put("int8_bytes", serving.int8Bytes());
            s.put("int8_agreement_with_fp32", round(serving.int8Agreement()));
            s.put("int8_cpu", cpu.describe());
            ObjectNode provenance = s.putObject("provenance");
            saved.provenance().forEach(provenance::put);
            ObjectNode b = report.putObject("baseline");
            b.put(
                    "description",
                    baseline == null
                            ? "same student, every gold label of the run (head rows + stream labels), one pass, cross-entropy, no teacher"
                            : "same student, every gold label of the run (head rows + stream labels), cross-entropy, no teacher, epochs until validation accuracy stops improving (at least the distilled student's steps), learning rate chosen on validation");
            b.put("samples", gold.size());
            b.put("accuracy", round(eval.baselineAccuracy()));
            b.put("seconds", round(baselineSeconds));
            if (baseline != null) {
                b.put("learning_rate", baseline.learningRate());
                b.put("epochs", baseline.epochs());
                b.put("best_epoch", baseline.bestEpoch());
                b.put("steps", baseline.steps());
                b.put("validation_accuracy", round(baseline.validationAccuracy()));
                ObjectNode grid = b.putObject("validation_accuracy_by_learning_rate");
                baseline.validationByRate()
                        .forEach((r, a) -> grid.put(Double.toString(r), round(a)));
            }
            if (validation != null) {
                ObjectNode v = report.putObject("validation");
                v.put(
                        "description",
                        "sentences held out of the training file with every overlapping training row; used for tuning");
                v.put("size", validation.size());
                v.put("related_rows_removed", validationSplit.related());
                v.put("teacher_accuracy", round(validation.teacherAccuracy()));
                v.put("student_accuracy", round(validation.studentAccuracy()));
                v.put("baseline_accuracy", round(validation.baselineAccuracy()));
                v.put("agreement", round(validation.agreement()));
                v.put(
                        "accuracy_retained",
                        round(validation.studentAccuracy() / validation.teacherAccuracy()));
                v.put(
                        "distillation_gain",
                        round(validation.studentAccuracy() - validation.baselineAccuracy()));
            }
            report.put("agreement", round(eval.agreement()));
            report.put("accuracy_retained", round(eval.studentAccuracy() / eval.teacherAccuracy()));
            report.put(
                    "distillation_gain", round(eval.studentAccuracy() - eval.baselineAccuracy()));
            report.put("size_ratio", round(eval.studentParams() / (double) eval.teacherParams()));
            report.put("speedup_b1", round(serving.speedupB1()));
            report.put(
                    "speedup_b1_measures",
                    "median latency of one query (tokenizing included), 1 ONNX Runtime thread, after the"
                            + " same warm-up (every test sentence once, then 20 queries): teacher "
                            + String.join("+", settings.teacher().names())
                            + " over the exported fp32 student as published (FFN pruned at "
                            + job.pruneThreshold
                            + "), on "
                            + cpu.model());
            Path reportFile = out.resolve("report.json");
            JSON.writerWithDefaultPrettyPrinter().writeValue(reportFile.toFile(), report);
            List<DistillMetrics> seen =
                    io.flinkdistill.pipeline.monitor.MetricsRecords.onePerStep(
                            List.copyOf(recorded));
            Path recording = out.resolve("metrics.jsonl");
            Files.write(
                    recording,
                    seen.stream()
                            .map(io.flinkdistill.pipeline.monitor.MetricsJson::toLine)
                            .toList(),
                    java.nio.charset.StandardCharsets.UTF_8);
            Path html = out.resolve("report.html");
            ReportCommand.write(html, "flink-distill demo: " + job.student, seen);
            System.out.printf(
                    "%nOn %s (%d sentences): teacher %s accuracy %.1f %% (%,d params); student accuracy %.1f %% (%,d params, %.1fx smaller); agreement %.1f %%.%n",
                    testData.file().getFileName(),
                    eval.size(),
                    String.join("+", settings.teacher().names()),
                    100 * eval.teacherAccuracy(),
                    eval.teacherParams(),
                    100 * eval.studentAccuracy(),
                    eval.studentParams(),
                    eval.teacherParams() / (double) eval.studentParams(),
                    100 * eval.agreement());
            if (specs.size() > 1) {
                StringBuilder members = new StringBuilder();
                for (int i = 0; i < specs.size(); i++) {
                    String name = specs.get(i).name();
                    members.append(
                            String.format(
                                    "%s%s %.1f %% (weight %.2f)",
                                    i == 0 ? "" : ", ",
                                    name,
                                    100 * eval.teacherAccuracies().get(name),
                                    finalWeights[i]));
                }
                System.out.printf(
                        "Fused teacher %.1f %%; alone: %s.%n",
                        100 * eval.teacherAccuracy(), members);
            }
            System.out.printf(
                    "Baseline (the same student on all %d gold labels of the run, no teacher%s): %.1f %%.%n",
                    gold.size(),
                    baseline == null
                            ? ", one pass"
                            : String.format(
                                    ", %d steps in %d epochs, learning rate %.0e chosen on validation",
                                    baseline.steps(),
                                    baseline.bestEpoch(),
                                    baseline.learningRate()),
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
                    "Exported: ONNX fp32 %.1f %%, INT8 %.1f %% (%.1f MB, agrees with fp32 on %.1f %%, on %s); one query %.1fx faster than the teacher; %d versions published to %s.%n",
                    100 * serving.fp32Accuracy(),
                    100 * serving.int8Accuracy(),
                    serving.int8Bytes() / 1e6,
                    100 * serving.int8Agreement(),
                    cpu.describe(),
                    serving.speedupB1(),
                    serving.versions(),
                    job.modelStore);
            System.out.printf(
                    "Gold labels used: %d head rows + %d stream labels = %.1f %% of the %d rows.%n",
                    headLabels,
                    labelled,
                    100.0 * (headLabels + labelled) / (headLabels + produced),
                    headLabels + produced);
            System.out.printf(
                    "Trained on %d samples in %.0f s (%.0f trained samples/s). Report: %s and %s (metrics: %s)%n",
                    saved.samplesTrained(),
                    jobSeconds,
                    saved.samplesTrained() / jobSeconds,
                    reportFile,
                    html,
                    recording);
            return 0;
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    /**
     * The final student as it serves: exported, measured on the test file, timed against the
     * teacher.
     */
    private record Serving(
            String newestPublished,
            long versions,
            double fp32Accuracy,
            double int8Accuracy,
            long int8Bytes,
            double int8Agreement,
            double speedupB1) {}

    private Serving serving(
            TeacherSpec primary,
            LinearHead head,
            io.flinkdistill.training.StudentFile.Loaded saved,
            List<TsvRow> test,
            JobSettings settings)
            throws Exception {
        List<String> classes = settings.teacher().classes();
        List<TsvRow> labelled =
                test.stream()
                        .filter(r -> r.label() != null && classes.contains(r.label()))
                        .toList();
        List<String> texts = labelled.stream().map(TsvRow::text).toList();
        double[] accuracy = new double[2];
        List<List<Integer>> predictions = new java.util.ArrayList<>();
        double studentP50 = 0;
        long int8Bytes = 0;
        StudentOnnxExport.Precision[] precisions = StudentOnnxExport.Precision.values();
        for (int p = 0; p < precisions.length; p++) {
            byte[] model =
                    StudentExporter.export(
                            saved.config(),
                            saved.weights(),
                            saved.provenance(),
                            precisions[p],
                            job.pruneThreshold);
            try (OnnxStudent student = OnnxStudent.open(model, 1)) {
                List<Integer> predicted = ServeBench.argmax(student.predict(texts));
                predictions.add(predicted);
                int correct = 0;
                for (int i = 0; i < texts.size(); i++) {
                    correct +=
                            classes.get(predicted.get(i)).equals(labelled.get(i).label()) ? 1 : 0;
                }
                accuracy[p] = correct / (double) Math.max(1, texts.size());
                if (precisions[p] == StudentOnnxExport.Precision.FP32) {
                    studentP50 = ServeBench.p50Millis(student::predict, texts, 200);
                } else {
                    int8Bytes = model.length;
                }
            }
        }
        double teacherP50;
        try (OnnxTeacher teacher = OnnxTeacher.open(primary, head, job.maxTokens, 1)) {
            // The same warm-up as the student had: every test sentence once, in batches of 32.
            for (int start = 0; start < texts.size(); start += 32) {
                teacher.infer(texts.subList(start, Math.min(texts.size(), start + 32)));
            }
            teacherP50 = ServeBench.p50Millis(teacher::infer, texts, 200);
        }
        ModelStore store = new ModelStore(job.modelStore);
        long versions = store.latestVersion(job.student);
        String newest =
                versions == 0
                        ? null
                        : new org.apache.flink.core.fs.Path(
                                        new org.apache.flink.core.fs.Path(job.modelStore),
                                        "student-" + job.student + "-v" + versions + ".onnx")
                                .toUri()
                                .toString();
        int agree = 0;
        for (int i = 0; i < texts.size(); i++) {
            agree += predictions.get(0).get(i).equals(predictions.get(1).get(i)) ? 1 : 0;
        }
        return new Serving(
                newest,
                versions,
                accuracy[0],
                accuracy[1],
                int8Bytes,
                agree / (double) Math.max(1, texts.size()),
                teacherP50 / studentP50);
    }

    /** The fusion weights at the end of the run (from the last metrics), else the initial ones. */
    private static double[] finalWeights(JobSettings settings, DistillMetrics last) {
        List<String> names = settings.teacher().names();
        double[] w = settings.teacher().fusion().weights().clone();
        if (last != null && last.getTeacherWeights().keySet().containsAll(names)) {
            for (int i = 0; i < w.length; i++) {
                w[i] = last.getTeacherWeights().get(names.get(i));
            }
        }
        return w;
    }

    /** Every metrics record the job published, in arrival order (report.html, metrics.jsonl). */
    private final List<DistillMetrics> recorded =
            java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    /** Runs the job to the end of its bounded input; returns the last metrics record seen. */
    private DistillMetrics runJob(
            JobSettings settings,
            KafkaWiring.KafkaSettings kafka,
            Map<String, Object> client,
            long jobStart)
            throws Exception {
        deleteRecursively(out.resolve("checkpoints"));
        Configuration conf = new Configuration();
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                out.resolve("checkpoints").toAbsolutePath().toUri().toString());
        int parallelism = Math.max(1, job.teacherParallelism);
        java.net.URI rest = JobWatcher.localRest(conf);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        job.enableCheckpointing(env);
        // With a reweighting policy or drift detection the evaluator's decisions come back through
        // the control topic, so that source stays open; the job is cancelled once the trainer has
        // written its student at the end of the samples.
        boolean steers = settings.steering().steers();
        KafkaWiring.sinks(
                DistillationJob.build(
                        KafkaWiring.source(env, kafka).setParallelism(1),
                        KafkaWiring.controlSource(env, kafka),
                        steers
                                ? KafkaWiring.controlSource(
                                        env, kafka, false, "kafka-control-trainer")
                                : null,
                        settings),
                kafka);
        Path finalStudent = Path.of(settings.exportDir()).resolve(job.student + ".student");
        Files.deleteIfExists(finalStudent);
        try (TopicFollower<DistillMetrics> follower =
                        TopicFollower.metrics(
                                client,
                                job.metricsTopic,
                                m -> {
                                    recorded.add(m);
                                    ProgressLine.print(m, jobStart);
                                });
                TopicFollower<io.flinkdistill.schemas.ControlCommand> commands =
                        new TopicFollower<>(
                                client,
                                job.controlTopic,
                                io.flinkdistill.schemas.ControlCommands::decode,
                                c -> printCommand(c, jobStart))) {
            JobClient jobClient = env.executeAsync("flink-distill demo");
            // Checkpoint failures and restarts on the console; a loop of them ends the demo.
            JobWatcher watcher = JobWatcher.inBackground(rest, jobClient, conf, jobStart);
            var result = jobClient.getJobExecutionResult();
            if (steers) {
                while (!Files.exists(finalStudent) && !result.isDone()) {
                    Thread.sleep(200);
                }
                if (result.isDone()) {
                    result.get();
                } else {
                    watcher.expectEnd();
                    jobClient.cancel().get();
                }
            } else {
                result.get();
            }
            // Let the follower print the final record.
            Thread.sleep(1500);
            return follower.latest();
        }
    }

    private static void printCommand(io.flinkdistill.schemas.ControlCommand c, long jobStart) {
        System.out.printf(
                "[%5.0fs] control %s from %s: %s %s%n",
                (System.nanoTime() - jobStart) / 1e9,
                c.getId(),
                c.getIssuer(),
                c.getType().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                c.getValues().entrySet().stream()
                        .map(
                                e ->
                                        String.format(
                                                java.util.Locale.ROOT,
                                                "%s=%.3f",
                                                e.getKey(),
                                                e.getValue()))
                        .collect(java.util.stream.Collectors.joining(" ")));
    }

    private void validate() {
        job.validate();
        if (maxSamples < 1) {
            throw new JobOptions.OptionException(
                    "--max-samples", "must be >= 1, got " + maxSamples);
        }
        if (!(labelledFraction >= 0 && labelledFraction <= 1)) {
            throw new JobOptions.OptionException(
                    "--labelled-fraction", "must be in [0, 1], got " + labelledFraction);
        }
        if (headSamples < 10) {
            throw new JobOptions.OptionException(
                    "--head-samples", "must be >= 10, got " + headSamples);
        }
        if (rate < 0) {
            throw new JobOptions.OptionException("--rate", "must be >= 0, got " + rate);
        }
        if (validationSize < 0) {
            throw new JobOptions.OptionException(
                    "--validation-size", "must be >= 0, got " + validationSize);
        }
        if (baselineRates.isEmpty() || baselineRates.stream().anyMatch(r -> !(r > 0 && r < 1))) {
            throw new JobOptions.OptionException(
                    "--baseline-learning-rates", "must be values in (0, 1), got " + baselineRates);
        }
        if (passes < 1 || passes > 100) {
            throw new JobOptions.OptionException("--passes", "must be in [1, 100], got " + passes);
        }
        for (Path p : new Path[] {train, test}) {
            if (p != null && !Files.isReadable(p)) {
                throw new JobOptions.OptionException(
                        p == train ? "--train" : "--test",
                        "file " + p + " does not exist or is not readable");
            }
        }
    }

    /** Copies a bundled dataset file out of the jar, so that it can be read like any other file. */
    private Path bundled(String name) throws IOException {
        Path target = out.resolve("data").resolve("sst2-" + name);
        if (!Files.exists(target)) {
            Files.createDirectories(target.getParent());
            try (InputStream in = DemoCommand.class.getResourceAsStream("/data/sst2/" + name)) {
                if (in == null) {
                    throw new IOException(
                            "Bundled dataset /data/sst2/" + name + " is missing from the jar");
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return target;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
