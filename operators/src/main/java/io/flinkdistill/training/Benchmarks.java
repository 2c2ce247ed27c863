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
}
