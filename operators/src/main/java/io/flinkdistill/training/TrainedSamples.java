package io.flinkdistill.training;

import io.flinkdistill.provenance.TrainedCounts;
import io.flinkdistill.sample.SampleIds;
import io.flinkdistill.sample.ScoredSample;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a trainer has trained, sample by sample, across restarts: the count and the highest offset
 * per Kafka partition of its input, and the digest of the trained ids. Checkpointed with the
 * trainer (counts and offsets in {@link TrainerState}, the rest in its provenance), so that
 * exactly-once can be checked from outside: a duplicate and a loss leave the counts equal but
 * change the digest.
 */
public final class TrainedSamples {

    private final TreeMap<Integer, Long> perPartition = new TreeMap<>();
    private final TreeMap<Integer, Long> highestOffsets = new TreeMap<>();

    /**
     * Sum (mod 2^64) of {@link SampleIds#hash} over every trained sample: order-free, so any replay
     * that trains each id exactly once gives the same digest.
     */
    private long idDigest;

    private long newestEventTime;

    private long skipped;
    private long skippedDigest;

    private long augmented;

    /** Counts a variant of a training sample (augmentation) that was trained on. */
    void addVariant() {
        augmented++;
    }

    long augmented() {
        return augmented;
    }

    /** Counts a sample the teacher budget skipped (never trained on). */
    void skip(ScoredSample s) {
        skipped++;
        skippedDigest += SampleIds.hash(s.id);
    }

    long skipped() {
        return skipped;
    }

    void add(ScoredSample s) {
        newestEventTime = Math.max(newestEventTime, s.eventTime);
        perPartition.merge(s.partition, 1L, Long::sum);
        highestOffsets.merge(s.partition, s.offset, Math::max);
        idDigest += SampleIds.hash(s.id);
    }

    /** Takes over what a snapshot recorded. */
    void restore(TrainerState state) {
        perPartition.putAll(state.samplesPerPartition());
        highestOffsets.putAll(state.offsetsSeen());
        TrainedCounts c = state.provenance().trained();
        idDigest = c.idDigest();
        skipped = c.skipped();
        augmented = c.augmented();
        skippedDigest = c.skippedDigest();
        newestEventTime = Math.max(newestEventTime, c.newestEventTime());
    }

    /** The newest event time of any trained sample (ms since the epoch), 0 before any. */
    long newestEventTime() {
        return newestEventTime;
    }

    SortedMap<Integer, Long> perPartition() {
        return Collections.unmodifiableSortedMap(perPartition);
    }

    SortedMap<Integer, Long> highestOffsets() {
        return Collections.unmodifiableSortedMap(highestOffsets);
    }

    /** What has been trained so far, for the student's provenance. */
    TrainedCounts counts() {
        return new TrainedCounts(
                perPartition,
                highestOffsets,
                idDigest,
                skipped,
                skippedDigest,
                augmented,
                newestEventTime);
    }
}
