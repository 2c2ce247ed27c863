package io.flinkdistill.pipeline.cli;

import io.flinkdistill.loss.Logits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** Small measurements the commands share: batch-1 median latency, predicted classes. */
final class Measure {
    private Measure() {}

    /** Median latency (ms) of one-sentence calls after 20 warm-up calls; {@code queries} timed. */
    static double p50Millis(Function<List<String>, ?> model, List<String> texts, int queries) {
        for (int i = 0; i < 20; i++) {
            model.apply(List.of(texts.get(i % texts.size())));
        }
        double[] ms = new double[queries];
        for (int i = 0; i < queries; i++) {
            long t0 = System.nanoTime();
            model.apply(List.of(texts.get(i % texts.size())));
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[queries / 2];
    }

    /** The predicted class of each row of probabilities (or logits). */
    static List<Integer> argmax(float[][] probs) {
        List<Integer> out = new ArrayList<>(probs.length);
        for (float[] p : probs) {
            out.add(Logits.argmax(p));
        }
        return out;
    }
}
