package io.flinkdistill.training;

import java.io.Serializable;
import java.util.List;

/**
 * A named, fixed benchmark set evaluated with every metrics record: sentences already tokenized
 * with the teacher's tokenizer (cut to the student's token limit), their gold labels, and the
 * primary teacher's class for each (computed once at start-up), so that the student's accuracy and
 * its agreement with the teacher can be followed on data the stream may no longer look like.
 */
public record Benchmark(String name, List<int[]> tokens, int[] labels, int[] teacherClasses)
        implements Serializable {
    public Benchmark {
        if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException(
                    "benchmark name must be letters, digits, '_' or '-', got '" + name + "'");
        }
        if (tokens.size() != labels.length
                || tokens.size() != teacherClasses.length
                || tokens.isEmpty()) {
            throw new IllegalArgumentException(
                    "benchmark "
                            + name
                            + " needs as many labels and teacher classes as sentences, and at"
                            + " least one");
        }
        tokens = List.copyOf(tokens);
    }

    /** Accuracy of the teacher's classes against the gold labels. */
    public double teacherAccuracy() {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += labels[i] == teacherClasses[i] ? 1 : 0;
        }
        return correct / (double) labels.length;
    }
}
