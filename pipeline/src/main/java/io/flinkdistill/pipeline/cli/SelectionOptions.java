package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.job.TeacherSelection;
import io.flinkdistill.selection.TeacherBudget;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * The teacher-call budget and which samples get the teacher within it (a mixin of the job options);
 * validated at start-up, naming the option.
 */
final class SelectionOptions {
    @Option(
            names = "--teacher-budget",
            paramLabel = "SHARE|RATE",
            description =
                    "Teacher calls allowed on unlabelled training samples: a share of them (0.25 or"
                            + " 25%%) or a rate for the whole job (40/s). The others are not scored"
                            + " and not trained on, only counted (samples_skipped). Labelled and"
                            + " eval-slice samples always get the teacher (default: none, every"
                            + " sample is scored).")
    String teacherBudget;

    @Option(
            names = "--selection",
            defaultValue = "random",
            description =
                    "Which samples get the teacher within --teacher-budget: random (by a hash of"
                            + " the id), uncertainty (those the newest published student is least"
                            + " sure of, by the margin between its two most probable classes;"
                            + " random until a student is published; needs --model-store) or mix"
                            + " (--selection-random-share of the budget at random, the rest by"
                            + " uncertainty) (default: ${DEFAULT-VALUE}).")
    Choices.Selection selection;

    @Option(
            names = "--selection-random-share",
            defaultValue = "0.3",
            description =
                    "With --selection mix: the share of the budget drawn at random (default:"
                            + " ${DEFAULT-VALUE}).")
    double randomShare;

    /** The budget as given, or unlimited. */
    TeacherBudget budget() {
        if (teacherBudget == null) {
            return TeacherBudget.unlimited();
        }
        try {
            return TeacherBudget.parse(teacherBudget);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--teacher-budget", e.getMessage());
        }
    }

    /**
     * Checks every option; the exception names the option and what is allowed.
     *
     * @param publishes whether the job publishes students (a student-asking policy needs them)
     */
    void validate(boolean publishes) {
        TeacherBudget b = budget();
        if (!(randomShare >= 0 && randomShare <= 1)) {
            throw new JobOptions.OptionException(
                    "--selection-random-share", "must be in [0, 1], got " + randomShare);
        }
        if (b.isUnlimited() && selection != Choices.Selection.RANDOM) {
            throw new JobOptions.OptionException(
                    "--selection", "chooses within a budget: set --teacher-budget too");
        }
        if (!b.isUnlimited() && selection.policy.needsStudent() && !publishes) {
            throw new JobOptions.OptionException(
                    "--selection",
                    selection.label()
                            + " asks the newest published student: set --model-store so that the"
                            + " job publishes one");
        }
    }

    TeacherSelection settings(Map<String, Object> kafka, String modelsTopic) {
        Map<String, String> client = new TreeMap<>();
        kafka.forEach((k, v) -> client.put(k, String.valueOf(v)));
        return new TeacherSelection(budget(), selection.policy, randomShare, modelsTopic, client);
    }
}
