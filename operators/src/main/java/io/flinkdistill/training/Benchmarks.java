package io.flinkdistill.training;

import java.io.Serializable;
import java.util.List;

/**
 * What every metrics record measures besides the eval window: named benchmark sets, and when to
 * take the frozen copy of the student that is measured on them next to the continuous one.
 *
 * @param sets named fixed sets with gold labels (may be empty)
 * @param freezeStudentAt samples trained at which the frozen copy is taken (0: none)
 */
public record Benchmarks(List<Benchmark> sets, long freezeStudentAt) implements Serializable {
    public Benchmarks {
        sets = List.copyOf(sets);
        if (freezeStudentAt < 0) {
            throw new IllegalArgumentException(
                    "Invalid option --freeze-student-at: must be >= 0 (0: none), got "
                            + freezeStudentAt);
        }
        if (freezeStudentAt > 0 && sets.isEmpty()) {
            throw new IllegalArgumentException(
                    "Invalid option --freeze-student-at: the frozen student is measured on the"
                            + " --benchmark sets, and none is given");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Benchmark b : sets) {
            if (!names.add(b.name())) {
                throw new IllegalArgumentException(
                        "Invalid option --benchmark: the name " + b.name() + " is used twice");
            }
        }
    }

    public static Benchmarks none() {
        return new Benchmarks(List.of(), 0);
    }

    /**
     * Each set as scored samples an exported file is measured on: its tokens, gold label, and the
     * teacher's class as a one-hot output over {@code classes}.
     */
    public java.util.Map<String, io.flinkdistill.publish.WindowMeasure> measures(int classes) {
        java.util.Map<String, io.flinkdistill.publish.WindowMeasure> out =
                new java.util.TreeMap<>();
        for (Benchmark b : sets) {
            List<io.flinkdistill.sample.ScoredSample> samples = new java.util.ArrayList<>();
            for (int i = 0; i < b.labels().length; i++) {
                io.flinkdistill.sample.ScoredSample s = new io.flinkdistill.sample.ScoredSample();
                s.tokens = b.tokens().get(i);
                s.label = b.labels()[i];
                s.teacherLogits = new float[classes];
                s.teacherLogits[b.teacherClasses()[i]] = 1f;
                samples.add(s);
            }
            out.put(b.name(), new io.flinkdistill.serving.WindowAgreement(samples));
        }
        return out;
    }
}
