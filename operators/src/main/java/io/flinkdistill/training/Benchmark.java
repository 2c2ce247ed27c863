package io.flinkdistill.training;

import java.io.Serializable;
import java.util.List;

/**
 * A fixed benchmark set: sentences already tokenized with the teacher's tokenizer (cut to the
 * student's token limit) and their gold labels, evaluated with every metrics record.
 */
public record Benchmark(List<int[]> tokens, int[] labels) implements Serializable {
    public Benchmark {
        if (tokens.size() != labels.length || tokens.isEmpty()) {
            throw new IllegalArgumentException(
                    "benchmark needs as many labels as sentences, and at least one");
        }
        tokens = List.copyOf(tokens);
    }
}
