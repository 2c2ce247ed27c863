package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkdistill.pipeline.job.DistillationJob;
import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.pipeline.job.KafkaWiring;
import io.flinkdistill.pipeline.kafka.LocalKafka;
import io.flinkdistill.pipeline.kafka.TopicFollower;
import io.flinkdistill.pipeline.kafka.Topics;
import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.teacher.LinearHead;
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

    /**
     * Replay ratio of the drift scenario unless --replay-ratio is given: measured over 3 seeds, it
     * kept SST-2 forgetting within one point in every seed at the same Yelp accuracy as no replay.
     */
    static final double DRIFT_REPLAY_RATIO = 1;

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
            names = "--validation-benchmark",
            description =
                    "Also give the job the validation sentences as a benchmark set named"
                            + " 'validation': measured with every metrics record, its deferral curve"
                            + " published with every version, and the demo's cascade check picks a"
                            + " threshold on that curve too.")
    boolean validationBenchmark;

    @Option(
            names = "--scenario",
            defaultValue = "default",
            description =
                    "default: stream the training file; drift: stream it, then a second domain (--shift-train, Yelp reviews by default) with no shuffling across the boundary, measure both test files with every metrics record next to a frozen copy of the student taken at the shift, and report detection, recovery and forgetting (default: ${DEFAULT-VALUE}).")
    Choices.Scenario scenario;

    @Option(
            names = "--shift-train",
            description =
                    "With --scenario drift: the second domain's training file, text<TAB>label with the same labels (default: the bundled Yelp train.tsv, 20,000 sentences).")
    Path shiftTrain;

    @Option(
            names = "--shift-test",
            description =
                    "With --scenario drift: the second domain's test file (default: the bundled Yelp test.tsv, 2,000 sentences).")
    Path shiftTest;

    @Option(
            names = "--out-of-domain-test",
            description =
                    "A labelled file of another domain (text<TAB>label, the training file's labels), or 'yelp' for the bundled Yelp test.tsv (2,000 restaurant-review sentences): teacher, student and baseline are also measured on it at the end, as a user sending the student whatever arrives would see them (report.json: out_of_domain). Nothing trains on it.")
    String outOfDomainTest;

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
        Data data = loadData();
        Teachers teachers = teachers(data);
        DriftScenario drift = scenario == Choices.Scenario.DRIFT ? loadDrift(data) : null;
        TsvDataset outOfDomain = loadOutOfDomain(data);
        long shiftOffset = (long) teachers.stream().size() * passes;
        long frozenAt = 0;
        if (drift != null) {
            frozenAt = trainingSamples(data.train(), teachers.stream());
            if (job.benchmarks.sets.isEmpty()) {
                job.benchmarks.sets.add(firstDomain() + "=" + data.test().file());
                job.benchmarks.sets.add(drift.name() + "=" + drift.test().file());
            }
            if (job.benchmarks.freezeStudentAt == 0) {
                job.benchmarks.freezeStudentAt = frozenAt;
            }
            job.replayRatioDefault = DRIFT_REPLAY_RATIO;
            job.validate();
            System.out.printf(
                    "Drift scenario: %d samples of %s, then %d of %s (the shift at offset %d); the"
                            + " student is frozen for comparison after %d trained samples; replay"
                            + " ratio %s%s.%n",
                    shiftOffset,
                    data.train().file().getFileName(),
                    drift.rows().size(),
                    drift.train().file().getFileName(),
                    shiftOffset,
                    job.benchmarks.freezeStudentAt,
                    job.replayRatio,
                    job.replayRatioOption == null
                            ? " (the scenario's default; --replay-ratio 0 turns it off)"
                            : "");
        }
        if (validationBenchmark) {
            Path file = out.resolve("validation.tsv");
            StringBuilder tsv = new StringBuilder();
            data.validation()
                    .forEach(r -> tsv.append(r.text()).append('\t').append(r.label()).append('\n'));
            Files.writeString(file, tsv);
            job.benchmarks.sets.add(CascadeCheck.VALIDATION_SET + "=" + file);
            job.validate();
        }
        Path exportDir = out.resolve("student");
        Path modelsDir = out.resolve("models");
        if (job.publish.modelStore == null) {
            Directories.deleteRecursively(modelsDir);
            job.publish.modelStore = modelsDir.toAbsolutePath().toUri().toString();
        }
        long streamed =
                (long) teachers.stream().size() * passes
                        + (drift == null ? 0 : drift.rows().size());
        JobSettings settings =
                job.jobSettings(
                        teachers.heads(),
                        expectedTrained(streamed),
                        exportDir.toAbsolutePath().toString());
        LocalKafka local = null;
        try {
            String bootstrap = job.kafka.bootstrapServers;
            if (bootstrap == null) {
                long t0 = System.nanoTime();
                // A demo run starts from an empty broker: no samples or offsets of an earlier run.
                Directories.deleteRecursively(out.resolve("kafka"));
                local = LocalKafka.start(out.resolve("kafka"));
                bootstrap = local.bootstrapServers();
                System.out.printf(
                        "Started a local Kafka broker on %s in %.1f s.%n",
                        bootstrap, (System.nanoTime() - t0) / 1e9);
            }
            Map<String, Object> client = job.kafkaClientConfig(bootstrap);
            settings = settings.withSelection(job.teacherSelection(bootstrap));
            Topics.ensure(client, job.topicPartitions(), Duration.ofSeconds(60));
            DemoReport.Labels labels = replay(client, data, teachers, drift);

            long jobStart = System.nanoTime();
            DistillMetrics last =
                    runJob(settings, job.kafkaSettings(bootstrap, true), client, jobStart);
            double jobSeconds = (System.nanoTime() - jobStart) / 1e9;
            Path studentFile = exportDir.resolve(job.student + ".student");
            DemoReport.Run run =
                    new DemoReport.Run(
                            last,
                            jobSeconds,
                            io.flinkdistill.training.StudentFile.read(studentFile),
                            studentFile,
                            List.copyOf(visibleAfterMillis));

            DemoReport.Baseline baseline =
                    trainBaseline(
                            data,
                            teachers,
                            drift,
                            settings,
                            run,
                            exportDir.resolve("baseline.student"));
            DemoReport.Evaluations evaluations =
                    evaluate(client, data, teachers, settings, run, baseline.file());
            java.util.function.Function<List<TsvRow>, TestSetEvaluation> measure =
                    testSet(teachers, settings, run, baseline.file());
            TestSetEvaluation shiftTest = drift == null ? null : measure.apply(drift.test().rows());
            TestSetEvaluation otherDomain =
                    outOfDomain == null ? null : measure.apply(outOfDomain.rows());
            DemoReport report =
                    new DemoReport(
                            job,
                            labelledFraction,
                            settings,
                            data.test().file(),
                            (System.nanoTime() - started) / 1e9,
                            labels,
                            run,
                            baseline,
                            evaluations,
                            io.flinkdistill.serving.CpuFeatures.detect());
            Path reportFile = out.resolve("report.json");
            List<DistillMetrics> seen =
                    io.flinkdistill.pipeline.monitor.MetricsRecords.onePerStep(
                            List.copyOf(recorded));
            com.fasterxml.jackson.databind.node.ObjectNode json = report.toJson();
            if (otherDomain != null) {
                otherDomain.writeTo(json.putObject("out_of_domain"), outOfDomain.file());
            }
            com.fasterxml.jackson.databind.node.ObjectNode driftSummary = null;
            if (drift != null) {
                driftSummary =
                        drift.summary(
                                seen,
                                List.copyOf(commandsSeen),
                                shiftOffset,
                                job.benchmarks.freezeStudentAt,
                                firstDomain(),
                                shiftTest);
                json.set("drift", driftSummary);
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(reportFile.toFile(), json);
            Path recording = out.resolve("metrics.jsonl");
            Files.write(
                    recording,
                    seen.stream()
                            .map(io.flinkdistill.pipeline.monitor.MetricsJson::toLine)
                            .toList(),
                    java.nio.charset.StandardCharsets.UTF_8);
            Path html = out.resolve("report.html");
            io.flinkdistill.pipeline.monitor.HtmlReport.write(
                    html, "flink-distill demo: " + job.student, seen);
            report.print(reportFile, html, recording);
            if (otherDomain != null) {
                System.out.printf(
                        java.util.Locale.ROOT,
                        "Out of domain (%s, %d sentences, not trained on): teacher %.1f %%,"
                                + " student %.1f %%, baseline %.1f %%, agreement %.1f %%.%n",
                        outOfDomain.file().getFileName(),
                        otherDomain.size(),
                        100 * otherDomain.teacherAccuracy(),
                        100 * otherDomain.studentAccuracy(),
                        100 * otherDomain.baselineAccuracy(),
                        100 * otherDomain.agreement());
            }
            if (driftSummary != null) {
                printDrift(driftSummary);
            }
            return 0;
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    /** The training and test files, shuffled by seed, with the validation split carved out. */
    private record Data(
            TsvDataset train,
            TsvDataset test,
            List<TsvRow> rows,
            List<TsvRow> validation,
            int validationRelated) {}

    private Data loadData() throws IOException {
        TsvDataset trainData = TsvDataset.read(train != null ? train : bundled("train.tsv"));
        TsvDataset testData = TsvDataset.read(test != null ? test : bundled("test.tsv"));
        trainData.warnAboutMalformedLines();
        testData.warnAboutMalformedLines();
        List<String> classes = trainData.classes();
        if (classes.size() < 2) {
            throw new JobOptions.OptionException(
                    "--train", "needs labels of at least two classes, found " + classes);
        }
        List<TsvRow> rows = new ArrayList<>(trainData.rows());
        Collections.shuffle(rows, new Random(job.seed));
        // Validation comes out first: no head, stream or baseline row overlaps it.
        io.flinkdistill.pipeline.replay.ValidationSplit.Split split =
                io.flinkdistill.pipeline.replay.ValidationSplit.carve(rows, validationSize);
        if (validationSize > 0) {
            System.out.printf(
                    "Validation: %d sentences of %s held out, with the %d training rows that overlap them.%n",
                    split.validation().size(), trainData.file().getFileName(), split.related());
        }
        return new Data(
                trainData,
                testData,
                new ArrayList<>(split.training()),
                split.validation(),
                split.related());
    }

    /**
     * The teachers and their heads (given, or fitted on the first rows, which then leave the
     * stream), and the rows to stream.
     */
    private record Teachers(
            List<TeacherSpec> specs,
            List<LinearHead> heads,
            List<TsvRow> stream,
            List<TsvRow> headRows) {
        /** Gold labels a fitted head used (0 when every head was given). */
        int headLabels() {
            return headRows.size();
        }
    }

    /** Rows a head is fitted on, and the rows streamed after them, in order. */
    record HeadSplit(List<TsvRow> head, List<TsvRow> stream) {}

    /**
     * The first labelled rows (at most {@code headSamples}, and at most half the labelled rows, so
     * the stream keeps labels too) for the head, and the rows after the last of them for the
     * stream. Unlabelled rows among the head's are not streamed: streaming them first would open
     * the stream with unlabelled rows only, unlike the rest of it.
     */
    static HeadSplit headSplit(List<TsvRow> rows, int headSamples) {
        List<TsvRow> labelled = rows.stream().filter(r -> r.label() != null).toList();
        int n = Math.min(headSamples, labelled.size() / 2);
        int end = n == 0 ? 0 : rows.indexOf(labelled.get(n - 1)) + 1;
        return new HeadSplit(labelled.subList(0, n), rows.subList(end, rows.size()));
    }

    private Teachers teachers(Data data) throws IOException {
        List<TeacherSpec> specs = job.teacherSpecs();
        List<TsvRow> rows = data.rows();
        Map<String, LinearHead> given = job.loadHeads();
        List<TsvRow> stream = rows;
        List<LinearHead> heads = new ArrayList<>();
        HeadSplit split = headSplit(rows, headSamples);
        int n = split.head().size();
        boolean fittedHead = false;
        for (TeacherSpec spec : specs) {
            LinearHead head = given.get(spec.name());
            if (head == null && !spec.hasOwnClassifier()) {
                long t0 = System.nanoTime();
                try {
                    head =
                            HeadTraining.fit(
                                    spec, split.head(), data.train().classes(), job.maxTokens, 2);
                } catch (IllegalArgumentException e) {
                    throw new JobOptions.OptionException("--teacher", e.getMessage());
                }
                Path headFile = out.resolve("teacher-head-" + spec.name() + ".json");
                head.save(headFile);
                System.out.printf(
                        "No --teacher-head for %s: fitted a logistic-regression head on %d labelled rows of %s in %.1f s (%s).%n",
                        spec.name(),
                        n,
                        data.train().file().getFileName(),
                        (System.nanoTime() - t0) / 1e9,
                        headFile);
                // Rows a head was fitted on are not streamed: the stream stays unseen data.
                stream = split.stream();
                fittedHead = true;
            }
            heads.add(head);
        }
        stream = stream.subList(0, Math.min(maxSamples, stream.size()));
        // Gold labels the run uses: the rows a head was fitted on, plus the stream's labels.
        return new Teachers(specs, heads, stream, fittedHead ? split.head() : List.of());
    }

    /** Which streamed rows keep their gold label (by id hash, the same in every pass). */
    private java.util.function.Predicate<TsvRow> labelKept(TsvDataset data) {
        return labelKept(data, labelledFraction);
    }

    /**
     * Rows that have a gold label and keep it in the stream: {@code fraction} of them by id hash. A
     * row without a label (a text-only line) has none to keep, so it is neither counted as labelled
     * nor given to the label-only baseline.
     */
    static java.util.function.Predicate<TsvRow> labelKept(TsvDataset data, double fraction) {
        EvalSplit keeper = new EvalSplit(Math.max(1e-4, Math.min(fraction, 0.9999)));
        return r -> r.label() != null && fraction > 0 && keeper.isEval("label:" + data.idOf(r));
    }

    /** Replays the stream onto the samples topic, {@code --passes} times. */
    private DemoReport.Labels replay(
            Map<String, Object> client, Data data, Teachers teachers, DriftScenario drift)
            throws InterruptedException {
        TsvDataset train = data.train();
        List<TsvRow> stream = teachers.stream();
        java.util.function.Predicate<TsvRow> kept = labelKept(train);
        long labelled = stream.stream().filter(kept).count();
        long produced = 0;
        io.flinkdistill.pipeline.replay.SampleEncoding encoding =
                io.flinkdistill.pipeline.replay.SampleEncoding.forInput(
                        job.input.inputs().forTopic(job.input.firstTopic()));
        // A drift scenario keeps its order across the boundary: everything into one partition.
        Integer partition = drift == null ? null : 0;
        for (int pass = 1; pass <= passes; pass++) {
            produced +=
                    SampleProducer.produce(
                            client,
                            job.input.firstTopic(),
                            train,
                            stream,
                            pass,
                            kept,
                            rate,
                            partition,
                            encoding);
        }
        labelled *= passes;
        if (drift != null) {
            // The second domain follows the whole first one: the shift is at a known offset.
            java.util.function.Predicate<TsvRow> keptAfter = labelKept(drift.train());
            labelled += drift.rows().stream().filter(keptAfter).count();
            produced +=
                    SampleProducer.produce(
                            client,
                            job.input.firstTopic(),
                            drift.train(),
                            drift.rows(),
                            1,
                            keptAfter,
                            rate,
                            partition,
                            encoding);
        }
        System.out.printf(
                "Replayed %d samples of %s onto %s as %s; %d (%.1f %%) keep their label, the rest are unlabelled.%n",
                produced,
                train.file().getFileName(),
                job.input.firstTopic(),
                job.input.inputs().forTopic(job.input.firstTopic()).describe(),
                labelled,
                100.0 * labelled / Math.max(1, produced));
        return new DemoReport.Labels(produced, labelled, teachers.headLabels());
    }

    /**
     * The fair baseline: the same student on every gold label the run used (head rows and stream
     * labels, training samples only, in stream order), to convergence on validation, its learning
     * rate chosen there; one pass when there is no validation split.
     */
    private DemoReport.Baseline trainBaseline(
            Data data,
            Teachers teachers,
            DriftScenario drift,
            JobSettings settings,
            DemoReport.Run run,
            Path file)
            throws IOException {
        TsvDataset train = data.train();
        java.util.function.Predicate<TsvRow> kept = labelKept(train);
        EvalSplit evalSplit = new EvalSplit(job.evalFraction);
        List<TsvRow> gold = new ArrayList<>(teachers.headRows());
        for (int pass = 1; pass <= passes; pass++) {
            for (TsvRow r : teachers.stream()) {
                String id = pass == 1 ? train.idOf(r) : train.idOf(r) + "/p" + pass;
                if (kept.test(r) && !evalSplit.isEval(id)) {
                    gold.add(r);
                }
            }
        }
        if (drift != null) {
            java.util.function.Predicate<TsvRow> keptAfter = labelKept(drift.train());
            for (TsvRow r : drift.rows()) {
                if (keptAfter.test(r) && !evalSplit.isEval(drift.train().idOf(r))) {
                    gold.add(r);
                }
            }
        }
        long t0 = System.nanoTime();
        BaselineTraining.Result result = null;
        TeacherSpec primary = teachers.specs().get(0);
        List<String> classes = settings.teacher().classes();
        if (data.validation().isEmpty()) {
            BaselineTraining.train(settings.trainer(), primary, classes, gold, job.maxTokens, file);
        } else {
            result =
                    BaselineTraining.trainToConvergence(
                            settings.trainer(),
                            primary,
                            classes,
                            gold,
                            data.validation(),
                            run.saved().step(),
                            baselineRates,
                            job.seed,
                            job.maxTokens,
                            file);
        }
        return new DemoReport.Baseline(result, gold.size(), (System.nanoTime() - t0) / 1e9, file);
    }

    /** Teachers, student and baseline on the test file and on validation; the served student. */
    private DemoReport.Evaluations evaluate(
            Map<String, Object> client,
            Data data,
            Teachers teachers,
            JobSettings settings,
            DemoReport.Run run,
            Path baseline)
            throws Exception {
        double[] finalWeights = finalWeights(settings, run.last());
        java.util.function.Function<List<TsvRow>, TestSetEvaluation> on =
                testSet(teachers, settings, run, baseline);
        TestSetEvaluation test = on.apply(data.test().rows());
        TestSetEvaluation validation =
                data.validation().isEmpty() ? null : on.apply(data.validation());
        ServingCheck.Result serving =
                ServingCheck.measure(
                        job,
                        teachers.specs().get(0),
                        teachers.heads().get(0),
                        run.saved(),
                        data.test().rows(),
                        settings);
        CascadeCheck.Result cascade =
                CascadeCheck.measure(
                        client,
                        job.modelsTopic,
                        job.student,
                        teachers.specs().get(0),
                        teachers.heads().get(0),
                        job.maxTokens,
                        data.test().rows(),
                        settings.teacher().classes());
        return new DemoReport.Evaluations(
                test, validation, data.validationRelated(), finalWeights, serving, cascade);
    }

    /** Teachers, student and baseline on labelled rows. */
    private java.util.function.Function<List<TsvRow>, TestSetEvaluation> testSet(
            Teachers teachers, JobSettings settings, DemoReport.Run run, Path baseline) {
        double[] finalWeights = finalWeights(settings, run.last());
        return rows -> {
            try {
                return TestSetEvaluation.run(
                        teachers.specs(),
                        teachers.heads(),
                        settings.teacher().classes(),
                        finalWeights,
                        run.studentFile(),
                        baseline,
                        rows,
                        job.maxTokens,
                        2);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    /** The second domain of the drift scenario: given, or the bundled Yelp files. */
    private DriftScenario loadDrift(Data data) throws IOException {
        TsvDataset after =
                TsvDataset.read(shiftTrain != null ? shiftTrain : bundled("yelp", "train.tsv"));
        TsvDataset afterTest =
                TsvDataset.read(shiftTest != null ? shiftTest : bundled("yelp", "test.tsv"));
        requireTrainingLabels(after, "--shift-train", data);
        requireTrainingLabels(afterTest, "--shift-test", data);
        String name = shiftTest == null && shiftTrain == null ? "yelp" : "second";
        return DriftScenario.load(name, after, afterTest, job.seed);
    }

    /** The {@code --out-of-domain-test} file (the bundled Yelp test for 'yelp'), or null. */
    private TsvDataset loadOutOfDomain(Data data) throws IOException {
        if (outOfDomainTest == null) {
            return null;
        }
        TsvDataset d =
                TsvDataset.read(
                        outOfDomainTest.equals("yelp")
                                ? bundled("yelp", "test.tsv")
                                : Path.of(outOfDomainTest));
        requireTrainingLabels(d, "--out-of-domain-test", data);
        return d;
    }

    /** Warns about d's malformed lines; refuses labels the training file does not have. */
    private static void requireTrainingLabels(TsvDataset d, String option, Data data) {
        d.warnAboutMalformedLines();
        if (!data.train().classes().containsAll(d.classes())) {
            throw new JobOptions.OptionException(
                    option,
                    d.file()
                            + " has labels "
                            + d.classes()
                            + ", not all of the training file's "
                            + data.train().classes());
        }
    }

    /** The first domain's benchmark name. */
    private String firstDomain() {
        return train == null ? "sst2" : "first";
    }

    /** Training (not eval-slice) samples among these streamed rows, over every pass. */
    private long trainingSamples(TsvDataset data, List<TsvRow> rows) {
        EvalSplit evalSplit = new EvalSplit(job.evalFraction);
        long n = 0;
        for (int pass = 1; pass <= passes; pass++) {
            for (TsvRow r : rows) {
                String id = pass == 1 ? data.idOf(r) : data.idOf(r) + "/p" + pass;
                n += evalSplit.isEval(id) ? 0 : 1;
            }
        }
        return n;
    }

    private static void printDrift(com.fasterxml.jackson.databind.node.ObjectNode d) {
        var sets = d.get("benchmarks");
        String second = d.get("second_domain").asText();
        var after = sets.get(second);
        var detectors = d.get("detectors");
        for (String name : List.of("agreement", "input")) {
            var detector = detectors.get(name);
            System.out.printf(
                    "Drift detector %s: %s; false alarms before the shift: %d.%n",
                    name,
                    detector.get("delay_samples").isNull()
                            ? "did not fire after the shift"
                            : "fired " + detector.get("delay_samples") + " samples after the shift",
                    detector.get("alarms_before_shift").asInt());
        }
        System.out.printf(
                "Drift: on %s the student went from %s at the shift (its frozen copy) to %s at"
                        + " the end (teacher %s); %s.%n",
                second,
                pct(after.get("student_at_shift")),
                pct(after.get("student_at_end")),
                pct(after.get("teacher")),
                d.get("samples_to_recover").isNull()
                        ? "it did not come within 2 points of the teacher"
                        : "within 2 points of the teacher after "
                                + d.get("samples_to_recover")
                                + " samples");
        sets.fieldNames()
                .forEachRemaining(
                        name -> {
                            if (!name.equals(second)) {
                                var first = sets.get(name);
                                System.out.printf(
                                        "Forgetting: on %s the student went from %s at the shift (its frozen copy) to %s at the end.%n",
                                        name,
                                        pct(first.get("student_at_shift")),
                                        pct(first.get("student_at_end")));
                            }
                        });
    }

    private static String pct(com.fasterxml.jackson.databind.JsonNode v) {
        return v == null || v.isNull()
                ? "n/a"
                : String.format(java.util.Locale.ROOT, "%.1f %%", 100 * v.asDouble());
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

    /** Every control command on the topic during the job, in arrival order. */
    private final List<io.flinkdistill.schemas.ControlCommand> commandsSeen =
            java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    /**
     * For each metrics record, how long after it was made a reader saw it (ms): with
     * --exactly-once-topics it waits for the checkpoint that commits it.
     */
    private final List<Long> visibleAfterMillis =
            java.util.Collections.synchronizedList(new java.util.ArrayList<>());

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
        Directories.deleteRecursively(out.resolve("checkpoints"));
        Configuration conf = new Configuration();
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                out.resolve("checkpoints").toAbsolutePath().toUri().toString());
        // Slots for the widest operator: the teacher's or, with several students, the trainer's.
        int parallelism =
                Math.max(
                        1,
                        Math.max(job.teacherParallelism, settings.routing().trainerParallelism()));
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
        // With --route, the job has several students; the demo reports on --student.
        java.util.concurrent.atomic.AtomicReference<DistillMetrics> own =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (TopicFollower<DistillMetrics> follower =
                        TopicFollower.metrics(
                                client,
                                job.metricsTopic,
                                m -> {
                                    recorded.add(m);
                                    if (m.getStudent().toString().equals(job.student)) {
                                        own.set(m);
                                    }
                                    visibleAfterMillis.add(
                                            System.currentTimeMillis()
                                                    - m.getTimestamp().toEpochMilli());
                                    ProgressLine.print(m, jobStart, settings.routing().active());
                                });
                TopicFollower<io.flinkdistill.schemas.ControlCommand> commands =
                        new TopicFollower<>(
                                client,
                                job.controlTopic,
                                io.flinkdistill.schemas.ControlCommands::decode,
                                c -> {
                                    commandsSeen.add(c);
                                    printCommand(c, jobStart);
                                })) {
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
                } else if (job.exactlyOnceTopics) {
                    // Stop with a savepoint, not a cancel: it commits the open transactions of the
                    // metrics and models topics, which a cancel would abort.
                    watcher.expectEnd();
                    jobClient
                            .stopWithSavepoint(
                                    false,
                                    out.resolve("savepoints").toAbsolutePath().toUri().toString(),
                                    org.apache.flink.core.execution.SavepointFormatType.DEFAULT)
                            .get();
                } else {
                    watcher.expectEnd();
                    jobClient.cancel().get();
                }
            } else {
                result.get();
            }
            // Let the follower print the final record.
            Thread.sleep(1500);
            return own.get();
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

    /**
     * The samples the trainer will train on out of {@code streamed}, for the learning-rate cycle:
     * all of them, or with a teacher budget of a share, the labelled ones and that share of the
     * others (a budget as a rate leaves it at all of them: how many pass depends on time).
     */
    private long expectedTrained(long streamed) {
        io.flinkdistill.selection.TeacherBudget b = job.selection.budget();
        if (b.isUnlimited() || b.isRate()) {
            return streamed;
        }
        double share = labelledFraction + (1 - labelledFraction) * b.fraction();
        return Math.max(1, Math.round(streamed * share));
    }

    private void validate() {
        job.publishesByDefault = true; // DIR/models
        job.validate();
        io.flinkdistill.pipeline.input.SampleInputs inputs = job.input.inputs();
        io.flinkdistill.pipeline.input.InputFormat format =
                inputs.forTopic(job.input.firstTopic()).format();
        if (inputs.pattern() != null
                || format == io.flinkdistill.pipeline.input.InputFormat.TEXT
                || format == io.flinkdistill.pipeline.input.InputFormat.AVRO_REGISTRY) {
            throw new JobOptions.OptionException(
                    inputs.pattern() != null ? "--samples-topic-pattern" : "--input-format",
                    "the demo writes its stream to --samples-topic as avro-training-sample or"
                            + " json (text would drop the labels the report needs); use 'run'"
                            + " for other inputs");
        }
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
        if (validationBenchmark && validationSize == 0) {
            throw new JobOptions.OptionException(
                    "--validation-benchmark", "needs a validation split (--validation-size > 0)");
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
        for (Path p : new Path[] {train, test, shiftTrain, shiftTest}) {
            if (p != null && !Files.isReadable(p)) {
                throw new JobOptions.OptionException(
                        p == train
                                ? "--train"
                                : p == test
                                        ? "--test"
                                        : p == shiftTrain ? "--shift-train" : "--shift-test",
                        "file " + p + " does not exist or is not readable");
            }
        }
        if (outOfDomainTest != null
                && !outOfDomainTest.equals("yelp")
                && !Files.isReadable(Path.of(outOfDomainTest))) {
            throw new JobOptions.OptionException(
                    "--out-of-domain-test",
                    "must be 'yelp' or a readable file, got " + outOfDomainTest);
        }
        if (scenario != Choices.Scenario.DRIFT && (shiftTrain != null || shiftTest != null)) {
            throw new JobOptions.OptionException(
                    shiftTrain != null ? "--shift-train" : "--shift-test",
                    "belongs to --scenario drift");
        }
    }

    /** Copies a bundled dataset file out of the jar, so that it can be read like any other file. */
    private Path bundled(String name) throws IOException {
        return bundled("sst2", name);
    }

    private Path bundled(String dataset, String name) throws IOException {
        Path target = out.resolve("data").resolve(dataset + "-" + name);
        if (!Files.exists(target)) {
            Files.createDirectories(target.getParent());
            String resource = "/data/" + dataset + "/" + name;
            try (InputStream in = DemoCommand.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException(
                            "Bundled dataset " + resource + " is missing from the jar");
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return target;
    }
}
