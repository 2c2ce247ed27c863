package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.job.StudentRouting;
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
