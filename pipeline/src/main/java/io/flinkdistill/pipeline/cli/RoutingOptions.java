package io.flinkdistill.pipeline.cli;

import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.pipeline.job.StudentRouting;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.training.TrainerSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Several students in one job: which samples each trains and over how many trainer subtasks (a
 * mixin of the job options); validated at start-up, naming the option.
 */
final class RoutingOptions {
    @Option(
            names = "--route",
            paramLabel = "STUDENT=SOURCE[,SOURCE...]",
            description =
                    "Train a student of this name on the samples whose source matches (TrainingSample"
                            + " source, else the topic read from; * matches any run of"
                            + " characters, e.g. yelp*); repeat for more students. Samples no route"
                            + " matches train --student. Each student has its own state, metrics,"
                            + " published versions and control commands.")
    List<String> routes = new ArrayList<>();

    @Option(
            names = "--trainer-parallelism",
            defaultValue = "1",
            description =
                    "Trainer subtasks; students spread over them by key (default: ${DEFAULT-VALUE}).")
    int trainerParallelism;

    @Option(
            names = "--student-setting",
            paramLabel = "STUDENT:OPTION=VALUE",
            description =
                    "A setting in which one student differs from the job's: OPTION is"
                            + " student-embed, student-hidden, student-heads, student-ffn, alpha,"
                            + " beta, gamma, hard-weight, temperature or learning-rate (as the job"
                            + " options of those names); repeatable. STUDENT is a"
                            + " routed student or --student. The teacher's attention target is"
                            + " mapped to --student-layers, so the layer count is the job's.")
    List<String> studentSettings = new ArrayList<>();

    /** One student's setting, parsed and checked against the students of the job. */
    record StudentSetting(String student, String option, double value) {
        static final List<String> NAMES =
                List.of(
                        "student-embed",
                        "student-hidden",
                        "student-heads",
                        "student-ffn",
                        "alpha",
                        "beta",
                        "gamma",
                        "hard-weight",
                        "temperature",
                        "learning-rate");

        static StudentSetting parse(String s, java.util.Set<String> students) {
            int colon = s.indexOf(':');
            int eq = s.indexOf('=', Math.max(colon, 0));
            if (colon <= 0 || eq < colon + 2 || eq == s.length() - 1) {
                throw new JobOptions.OptionException(
                        "--student-setting", "expected STUDENT:OPTION=VALUE, got '" + s + "'");
            }
            String student = s.substring(0, colon).trim();
            String option = s.substring(colon + 1, eq).trim();
            String value = s.substring(eq + 1).trim();
            if (!students.contains(student)) {
                throw new JobOptions.OptionException(
                        "--student-setting",
                        "no student "
                                + student
                                + " in this job (routed or --student: "
                                + students
                                + ")");
            }
            if (!NAMES.contains(option)) {
                throw new JobOptions.OptionException(
                        "--student-setting",
                        "'"
                                + option
                                + "' cannot differ per student; one of "
                                + NAMES
                                + (option.equals("student-layers")
                                        ? " (the teacher's attention target is mapped to the"
                                                + " job's --student-layers)"
                                        : ""));
            }
            double v;
            try {
                v = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                v = Double.NaN;
            }
            boolean integer = option.startsWith("student-");
            if (!Double.isFinite(v) || (integer && (v != Math.rint(v) || v < 1))) {
                throw new JobOptions.OptionException(
                        "--student-setting",
                        student
                                + ":"
                                + option
                                + " must be "
                                + (integer ? "a whole number >= 1" : "a number")
                                + ", got '"
                                + value
                                + "'");
            }
            return new StudentSetting(student, option, v);
        }
    }

    /** Every --student-setting, parsed and checked; an error names the option. */
    List<StudentSetting> studentSettings(String defaultStudent) {
        java.util.Set<String> students =
                new java.util.TreeSet<>(settings(defaultStudent).routes().keySet());
        students.add(defaultStudent);
        List<StudentSetting> parsed = new ArrayList<>();
        for (String s : studentSettings) {
            parsed.add(StudentSetting.parse(s, students));
        }
        return parsed;
    }

    /**
     * The settings of each student named by --student-setting: the job's, with its settings applied
     * and recorded in its provenance; an error names the option.
     */
    Map<String, TrainerSettings> perStudent(TrainerSettings job, String defaultStudent) {
        Map<String, List<StudentSetting>> byStudent = new LinkedHashMap<>();
        for (StudentSetting s : studentSettings(defaultStudent)) {
            byStudent.computeIfAbsent(s.student(), k -> new ArrayList<>()).add(s);
        }
        Map<String, TrainerSettings> out = new LinkedHashMap<>();
        byStudent.forEach(
                (student, own) -> {
                    StudentConfig c = job.student();
                    LossWeights w = job.lossWeights();
                    double learningRate = job.learningRate();
                    io.flinkdistill.provenance.Provenance.Builder provenance =
                            job.provenance().toBuilder();
                    try {
                        for (StudentSetting s : own) {
                            int i = (int) s.value();
                            double v = s.value();
                            switch (s.option()) {
                                case "student-embed" ->
                                        c = c.withShape(i, c.hidden(), c.heads(), c.ffn());
                                case "student-hidden" ->
                                        c = c.withShape(c.embedDim(), i, c.heads(), c.ffn());
                                case "student-heads" ->
                                        c = c.withShape(c.embedDim(), c.hidden(), i, c.ffn());
                                case "student-ffn" ->
                                        c = c.withShape(c.embedDim(), c.hidden(), c.heads(), i);
                                case "alpha" ->
                                        w =
                                                new LossWeights(
                                                        v,
                                                        w.feature(),
                                                        w.attention(),
                                                        w.hard(),
                                                        w.temperature());
                                case "beta" ->
                                        w =
                                                new LossWeights(
                                                        w.soft(),
                                                        v,
                                                        w.attention(),
                                                        w.hard(),
                                                        w.temperature());
                                case "gamma" ->
                                        w =
                                                new LossWeights(
                                                        w.soft(),
                                                        w.feature(),
                                                        v,
                                                        w.hard(),
                                                        w.temperature());
                                case "hard-weight" ->
                                        w =
                                                new LossWeights(
                                                        w.soft(),
                                                        w.feature(),
                                                        w.attention(),
                                                        v,
                                                        w.temperature());
                                case "temperature" ->
                                        w =
                                                new LossWeights(
                                                        w.soft(),
                                                        w.feature(),
                                                        w.attention(),
                                                        w.hard(),
                                                        v);
                                case "learning-rate" -> learningRate = v;
                                default -> throw new IllegalStateException(s.option());
                            }
                            provenance.option("student_setting." + s.option(), Double.toString(v));
                        }
                        out.put(
                                student,
                                job.toBuilder()
                                        .optStudent(c)
                                        .optLossWeights(w)
                                        .optLearningRate(learningRate)
                                        .optProvenance(provenance.build())
                                        .optStudents(Map.of())
                                        .build());
                    } catch (IllegalArgumentException e) {
                        throw new JobOptions.OptionException(
                                "--student-setting", student + ": " + e.getMessage());
                    }
                });
        return out;
    }

    /** The routing these options give; an error names the option. */
    StudentRouting settings(String defaultStudent) {
        if (trainerParallelism < 1) {
            throw new JobOptions.OptionException(
                    "--trainer-parallelism", "must be >= 1, got " + trainerParallelism);
        }
        Map<String, List<String>> parsed = new LinkedHashMap<>();
        for (String r : routes) {
            int eq = r.indexOf('=');
            if (eq <= 0 || eq == r.length() - 1) {
                throw new JobOptions.OptionException(
                        "--route", "expected STUDENT=SOURCE[,SOURCE...], got '" + r + "'");
            }
            String student = r.substring(0, eq).trim();
            if (student.equals(defaultStudent)) {
                throw new JobOptions.OptionException(
                        "--route",
                        student
                                + " is the default student (--student): it takes what no route"
                                + " matches");
            }
            if (parsed.containsKey(student)) {
                throw new JobOptions.OptionException(
                        "--route",
                        "student " + student + " is routed twice; list its sources once");
            }
            List<String> sources = new ArrayList<>();
            for (String s : r.substring(eq + 1).split(",")) {
                sources.add(s.trim());
            }
            parsed.put(student, sources);
        }
        try {
            return new StudentRouting(parsed, trainerParallelism);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--route", e.getMessage());
        }
    }
}
