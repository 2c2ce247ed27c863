package io.flinkdistill.pipeline.job;

import io.flinkdistill.selection.SelectionPolicy;
import io.flinkdistill.selection.TeacherBudget;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which unlabelled training samples the teacher scores: the budget, the policy and, for a policy
 * that asks the student, where the newest published student is announced.
 *
 * @param randomShare with {@link SelectionPolicy#MIX}: the random share of the budget
 * @param modelsTopic the model events topic a student-asking policy follows
 * @param kafka client configuration for reading {@code modelsTopic}
 */
public record TeacherSelection(
        TeacherBudget budget,
        SelectionPolicy policy,
        double randomShare,
        String modelsTopic,
        Map<String, String> kafka)
        implements Serializable {

    public TeacherSelection {
        kafka = kafka == null ? Map.of() : new TreeMap<>(kafka);
        if (!(randomShare >= 0 && randomShare <= 1)) {
            throw new IllegalArgumentException(
                    "selection random share must be in [0, 1], got " + randomShare);
        }
        if (policy.needsStudent() && !budget.isUnlimited() && modelsTopic == null) {
            throw new IllegalArgumentException("selection " + policy + " needs the models topic");
        }
    }

    /** Every sample is scored. */
    public static TeacherSelection off() {
        return new TeacherSelection(
                TeacherBudget.unlimited(), SelectionPolicy.RANDOM, 0, null, null);
    }

    public boolean active() {
        return !budget.isUnlimited();
    }

    /** e.g. {@code uncertainty at 25%}. */
    public String describe() {
        return active()
                ? policy.name().toLowerCase(java.util.Locale.ROOT) + " at " + budget
                : "every sample";
    }
}
