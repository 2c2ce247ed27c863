package io.flinkdistill.pipeline.cli;

import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.training.Benchmark;
import io.flinkdistill.training.Benchmarks;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Named benchmark sets measured with every metrics record, and the frozen student measured next to
 * the continuous one (a mixin of the job options); validated at start-up, naming the option.
 */
final class BenchmarkOptions {
    @Option(
            names = "--benchmark",
            paramLabel = "[NAME=]FILE",
            description =
                    "A fixed benchmark set (TSV: text, tab, label) the student is evaluated on with"
                            + " every metrics record (accuracy, agreement with the primary teacher,"
                            + " the teacher's own accuracy); repeat for several, each with a name"
                            + " (default: the file name without extension).")
    List<String> sets = new ArrayList<>();

    @Option(
            names = "--freeze-student-at",
            defaultValue = "0",
            description =
                    "After this many samples trained, keep a frozen copy of the student and measure"
                            + " it on the --benchmark sets next to the continuous one (0: none;"
                            + " default: ${DEFAULT-VALUE}).")
    long freezeStudentAt;

    /** Checks every option; the exception names the option and what is allowed. */
    void validate() {
        java.util.Set<String> benchmarkNames = new java.util.HashSet<>();
        for (String b : sets) {
            String[] nameFile = benchmarkNameAndFile(b);
            if (!nameFile[0].matches("[A-Za-z0-9_-]+")) {
                throw new JobOptions.OptionException(
                        "--benchmark",
                        "name '"
                                + nameFile[0]
                                + "' must be letters, digits, '_' or '-' (NAME=FILE)");
            }
            if (!benchmarkNames.add(nameFile[0])) {
                throw new JobOptions.OptionException(
                        "--benchmark", "the name " + nameFile[0] + " is used twice");
            }
            if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(nameFile[1]))) {
                throw new JobOptions.OptionException(
                        "--benchmark",
                        "file " + nameFile[1] + " does not exist or is not readable");
            }
        }
        if (freezeStudentAt < 0) {
            throw new JobOptions.OptionException(
                    "--freeze-student-at", "must be >= 0, got " + freezeStudentAt);
        }
        if (freezeStudentAt > 0 && sets.isEmpty()) {
            throw new JobOptions.OptionException(
                    "--freeze-student-at",
                    "the frozen student is measured on the --benchmark sets; give at least one");
        }
    }

    /** The sets, tokenized and labelled by the primary teacher, and when to freeze. */
    Benchmarks settings(OnnxTeacher primary, List<String> classes) {
        return new Benchmarks(benchmarkSets(primary, classes), freezeStudentAt);
    }

    /** {name, file} of a --benchmark value: NAME=FILE, or FILE named after its stem. */
    static String[] benchmarkNameAndFile(String value) {
        int eq = value.indexOf('=');
        if (eq > 0) {
            return new String[] {value.substring(0, eq), value.substring(eq + 1)};
        }
        String stem = java.nio.file.Path.of(value).getFileName().toString();
        int dot = stem.lastIndexOf('.');
        return new String[] {dot > 0 ? stem.substring(0, dot) : stem, value};
    }

    /**
     * The --benchmark sets, tokenized by the primary teacher and labelled by it (once, here), in
     * the order given.
     */
    private List<Benchmark> benchmarkSets(OnnxTeacher primary, List<String> classes) {
        List<Benchmark> out = new ArrayList<>();
        for (String value : sets) {
            String[] nameFile = benchmarkNameAndFile(value);
            out.add(benchmarkSet(nameFile[0], nameFile[1], primary, classes));
        }
        return out;
    }

    private static Benchmark benchmarkSet(
            String name, String file, OnnxTeacher primary, List<String> classes) {
        try {
            var data = io.flinkdistill.pipeline.replay.TsvDataset.read(java.nio.file.Path.of(file));
            data.warnAboutMalformedLines();
            List<int[]> tokens = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            int[] labels = new int[data.rows().size()];
            int i = 0;
            for (var row : data.rows()) {
                int label = row.label() == null ? -1 : classes.indexOf(row.label());
                if (label < 0) {
                    throw new JobOptions.OptionException(
                            "--benchmark",
                            file
                                    + " line "
                                    + row.line()
                                    + ": label '"
                                    + row.label()
                                    + "' is not one of the teacher's classes "
                                    + classes);
                }
                texts.add(row.text());
                tokens.add(primary.tokenize(row.text()));
                labels[i++] = label;
            }
            int[] teacher = new int[texts.size()];
            for (int start = 0; start < texts.size(); start += 32) {
                List<io.flinkdistill.teacher.TeacherOutput> out =
                        primary.infer(texts.subList(start, Math.min(texts.size(), start + 32)));
                for (int k = 0; k < out.size(); k++) {
                    teacher[start + k] = out.get(k).predictedClass();
                }
            }
            return new Benchmark(name, tokens, labels, teacher);
        } catch (java.io.IOException e) {
            throw new JobOptions.OptionException("--benchmark", "cannot read " + file + ": " + e);
        }
    }
}
