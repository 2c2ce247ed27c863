package io.flinkdistill.training;

import io.flinkdistill.sample.ScoredSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The training samples waiting for a step, and how a batch is taken from them: in arrival order,
 * or, with a shuffle pool, drawn at random by the seed and the step, so that a restored trainer
 * draws the same batches; the others wait for the next one.
 */
final class PendingSamples {
    private final List<ScoredSample> samples = new ArrayList<>();
    private final int batchSize;
    private final int shufflePool;
    private final long seed;

    PendingSamples(int batchSize, int shufflePool, long seed) {
        this.batchSize = batchSize;
        this.shufflePool = shufflePool;
        this.seed = seed;
    }

    void add(ScoredSample sample) {
        samples.add(sample);
    }

    void addAll(List<ScoredSample> restored) {
        samples.addAll(restored);
    }

    /** A full batch and the shuffle pool behind it are waiting. */
    boolean full() {
        return samples.size() >= batchSize + shufflePool;
    }

    boolean isEmpty() {
        return samples.isEmpty();
    }

    /** The next batch (everything waiting when the pool is off or short), removed. */
    List<ScoredSample> takeBatch(long step) {
        List<ScoredSample> batch;
        if (shufflePool > 0 && samples.size() > batchSize) {
            Random random = new Random(seed * 1_000_003L + step);
            batch = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                batch.add(samples.remove(random.nextInt(samples.size())));
            }
        } else {
            batch = new ArrayList<>(samples);
            samples.clear();
        }
        return batch;
    }

    List<ScoredSample> snapshot() {
        return List.copyOf(samples);
    }
}
