package io.flinkdistill.training;

import io.flinkdistill.sample.ScoredSample;
import java.util.ArrayList;
import java.util.List;

/**
 * Replay against forgetting: each batch is joined by {@code ratio} times as many samples drawn from
 * a buffer of earlier training samples with their teacher outputs ({@link ReplayBuffer}), so the
 * trainer takes more optimizer work per teacher call and rehearses older data after a shift. Off at
 * ratio 0.
 */
public final class Rehearsal {
    private final double ratio;
    private final int capacity;
    private final long seed;
    private ReplayBuffer buffer;
    private long replayed;

    Rehearsal(double ratio, int capacity, long seed) {
        this.ratio = ratio;
        this.capacity = capacity;
        this.seed = seed;
    }

    /** The batch to train on: the fresh samples, then the replayed ones drawn for this step. */
    List<ScoredSample> mix(List<ScoredSample> fresh, long step) {
        if (ratio <= 0) {
            return fresh;
        }
        List<ScoredSample> batch = new ArrayList<>(fresh);
        batch.addAll(buffer().draw((int) Math.round(ratio * fresh.size()), step));
        replayed += batch.size() - fresh.size();
        return batch;
    }

    /**
     * Offers the fresh samples of a step to the buffer (after the step, so none replays itself).
     */
    void remember(List<ScoredSample> fresh) {
        if (ratio > 0) {
            fresh.forEach(buffer()::offer);
        }
    }

    /** The replay buffer (created empty on first use). */
    public ReplayBuffer buffer() {
        if (buffer == null) {
            buffer = new ReplayBuffer(capacity, seed);
        }
        return buffer;
    }

    /** Puts back a replay buffer from a checkpoint. */
    public void restore(byte[] data) {
        buffer = ReplayBuffer.fromBytes(data, capacity, seed);
    }

    /** Replayed samples trained on since the start (not restored: a figure of this run). */
    public long replayed() {
        return replayed;
    }
}
