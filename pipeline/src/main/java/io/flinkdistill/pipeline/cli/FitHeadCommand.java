package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.TeacherSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code distill fit-head}: fits the teacher's classification head on labelled rows. */
@Command(
        name = "fit-head",
        mixinStandardHelpOptions = true,
        description =
                "Fit a logistic-regression head on teacher embeddings of labelled rows and save it for the teacher.")
public final class FitHeadCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "File of text<TAB>label rows.")
    Path data;

    @Option(
            names = "--teacher",
            defaultValue = "e5-small-v2-q",
            description =
                    "Teacher model as for 'run --teacher': a shipped id (e5-small-v2-q, bge-small-en-v1.5-q, all-minilm-l6-v2, all-minilm-l6-v2-q) or model=URI,tokenizer=URI,... (default: ${DEFAULT-VALUE}).")
    String teacher;

    @Option(names = "--out", required = true, description = "Head file to write (JSON).")
    Path out;

    @Option(
            names = "--max-samples",
            defaultValue = "10000",
            description =
                    "Use at most this many labelled rows, a seeded random subset (default: ${DEFAULT-VALUE}).")
    int maxSamples;

    @Option(
            names = "--max-tokens",
            defaultValue = "64",
            description = "Token limit per input (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(
            names = "--threads",
            defaultValue = "2",
            description = "ONNX Runtime threads (default: ${DEFAULT-VALUE}).")
    int threads;

    /** Labelled rows each class needs before a head is fitted. */
    static final int MIN_ROWS_PER_CLASS = 5;

    @Override
    public Integer call() throws Exception {
        TeacherSpec encoder;
        try {
            encoder = TeacherSpec.parse(teacher);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--teacher", e.getMessage());
        }
        if (maxSamples < 10) {
            throw new JobOptions.OptionException(
                    "--max-samples", "must be >= 10, got " + maxSamples);
        }
        TsvDataset dataset = TsvDataset.read(data);
        dataset.warnAboutMalformedLines();
        List<String> classes = dataset.classes();
        if (classes.size() < 2) {
            throw new JobOptions.OptionException(
                    "--data", "needs labelled rows of at least two classes, found " + classes);
        }
        List<TsvRow> rows =
                new ArrayList<>(dataset.rows().stream().filter(r -> r.label() != null).toList());
        long unlabelled = dataset.rows().size() - rows.size();
        if (unlabelled > 0) {
            System.err.printf(
                    "Warning: %d row%s of %s without a label (not used to fit the head).%n",
                    unlabelled, unlabelled == 1 ? "" : "s", data);
        }
        for (String c : classes) {
            long n = rows.stream().filter(r -> r.label().equals(c)).count();
            if (n < MIN_ROWS_PER_CLASS) {
                throw new JobOptions.OptionException(
                        "--data",
                        "class '"
                                + c
                                + "' has "
                                + n
                                + " labelled row"
                                + (n == 1 ? "" : "s")
                                + "; a head needs at least "
                                + MIN_ROWS_PER_CLASS
                                + " per class");
            }
        }
        Collections.shuffle(rows, new Random(42));
        rows = rows.subList(0, Math.min(maxSamples, rows.size()));
        long t0 = System.nanoTime();
        LinearHead head;
        try {
            head = HeadTraining.fit(encoder, rows, classes, maxTokens, threads);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--teacher", e.getMessage());
        }
        head.save(out);
        System.out.printf(
                "Fitted a %d-class head for %s on %d rows in %.1f s: %s%n",
                classes.size(), encoder.name(), rows.size(), (System.nanoTime() - t0) / 1e9, out);
        return 0;
    }
}
