package io.flinkdistill.training;

import io.flinkdistill.codec.StateFormat;
import io.flinkdistill.sample.ScoredSample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Scored training samples kept for replay: a uniform sample of every training sample offered so far
 * (reservoir sampling, so after a change of domain it still holds the old one in proportion to what
 * was seen), bounded in size, with the teacher's outputs, so that the trainer can take more steps
 * per teacher call and keep rehearsing what it learned before. Every random choice is a function of
 * the seed and a counter, so a restored buffer makes exactly the choices the original would. Its
 * checkpoint format (version 1): magic, version, samples offered, then the kept samples in the
 * trainer state's sample encoding.
 */
public final class ReplayBuffer {
    private static final StateFormat FORMAT =
            StateFormat.tagged("a replay buffer", 0x52504c59 /* "RPLY" */, 1, 1);

    private final int capacity;
    private final long seed;
    private final List<ScoredSample> kept;
    private long offered;

    public ReplayBuffer(int capacity, long seed) {
        if (capacity < 1) {
            throw new IllegalArgumentException("replay capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.seed = seed;
        this.kept = new ArrayList<>(Math.min(capacity, 1 << 16));
    }

    /** Offers one training sample (algorithm R: kept with probability capacity / offered). */
    public void offer(ScoredSample s) {
        offered++;
        if (kept.size() < capacity) {
            kept.add(s);
            return;
        }
        long j = random(offered).nextLong(offered);
        if (j < capacity) {
            kept.set((int) j, s);
        }
    }

    /**
     * {@code k} kept samples drawn without replacement (fewer if fewer are kept) for step {@code
     * step}.
     */
    public List<ScoredSample> draw(int k, long step) {
        int n = Math.min(k, kept.size());
        List<ScoredSample> out = new ArrayList<>(n);
        if (n == 0) {
            return out;
        }
        SplittableRandom rng = random(-1 - step);
        int[] order = new int[kept.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = 0; i < n; i++) {
            int j = i + rng.nextInt(order.length - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            out.add(kept.get(order[i]));
        }
        return out;
    }

    private SplittableRandom random(long counter) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + counter);
    }

    public int size() {
        return kept.size();
    }

    public long offered() {
        return offered;
    }

    public int capacity() {
        return capacity;
    }

    public byte[] toBytes() {
        return FORMAT.encode(
                out -> {
                    out.writeLong(offered);
                    // The layout of trainer-state format 6: a replayed sample is not counted, so
                    // whether it was a variant does not matter here.
                    TrainerState.writeSamples(out, kept, 6);
                });
    }

    /** Restores a buffer; with a smaller capacity than it was written with, the first ones stay. */
    public static ReplayBuffer fromBytes(byte[] data, int capacity, long seed) {
        return FORMAT.decode(
                data,
                (in, version) -> {
                    ReplayBuffer b = new ReplayBuffer(capacity, seed);
                    b.offered = in.readLong();
                    List<ScoredSample> samples = TrainerState.readSamples(in, 6);
                    b.kept.addAll(samples.subList(0, Math.min(capacity, samples.size())));
                    return b;
                });
    }
}
