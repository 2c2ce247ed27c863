package io.flinkdistill.training;

import io.flinkdistill.sample.ScoredSample;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a trainer has trained, sample by sample, across restarts: the count and the highest offset
 * per Kafka partition of its input, and the digest of the trained ids. Checkpointed with the
 * trainer (counts and offsets in {@link TrainerState}, the digest in its provenance), so that
 * exactly-once can be checked from outside: a duplicate and a loss leave the counts equal but
 * change the digest.
 */
public final class TrainedSamples {
    /** Provenance key of the trained-id digest. */
    public static final String ID_DIGEST = "training.id_digest";

    private final TreeMap<Integer, Long> perPartition = new TreeMap<>();
    private final TreeMap<Integer, Long> highestOffsets = new TreeMap<>();

    /**
     * Sum (mod 2^64) of {@link #idHash} over every trained sample: order-free, so any replay that
     * trains each id exactly once gives the same digest.
     */
    private long idDigest;

    /** Provenance key of the newest event time trained on (ms since the epoch). */
    public static final String NEWEST_EVENT_TIME = "training.newest_event_time";

    private long newestEventTime;

    /** Provenance keys of the samples skipped by the teacher budget: count and id digest. */
    public static final String SKIPPED = "training.samples_skipped";

    public static final String SKIPPED_DIGEST = "training.skipped_id_digest";

    private long skipped;
    private long skippedDigest;

    /** Provenance key of the count of augmented variants trained on. */
    public static final String AUGMENTED = "training.samples_augmented";

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
        skippedDigest += idHash(s.id);
    }

    long skipped() {
        return skipped;
    }

    void add(ScoredSample s) {
        newestEventTime = Math.max(newestEventTime, s.eventTime);
        perPartition.merge(s.partition, 1L, Long::sum);
        highestOffsets.merge(s.partition, s.offset, Math::max);
        idDigest += idHash(s.id);
    }

    /** Takes over what a snapshot recorded. */
    void restore(TrainerState state) {
        perPartition.putAll(state.samplesPerPartition());
        highestOffsets.putAll(state.offsetsSeen());
        idDigest = Long.parseUnsignedLong(state.provenance().getOrDefault(ID_DIGEST, "0"), 16);
        skipped = Long.parseLong(state.provenance().getOrDefault(SKIPPED, "0"));
        augmented = Long.parseLong(state.provenance().getOrDefault(AUGMENTED, "0"));
        skippedDigest =
                Long.parseUnsignedLong(state.provenance().getOrDefault(SKIPPED_DIGEST, "0"), 16);
        newestEventTime =
                Math.max(
                        newestEventTime,
                        Long.parseLong(state.provenance().getOrDefault(NEWEST_EVENT_TIME, "0")));
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

    /** {@code kafka.offset.pN}, {@code kafka.samples.pN} and the id digest. */
    void writeProvenance(Map<String, String> p) {
        highestOffsets.forEach(
                (partition, offset) -> p.put("kafka.offset.p" + partition, Long.toString(offset)));
        perPartition.forEach(
                (partition, n) -> p.put("kafka.samples.p" + partition, Long.toString(n)));
        p.put(ID_DIGEST, Long.toHexString(idDigest));
        if (skipped > 0) {
            p.put(SKIPPED, Long.toString(skipped));
            p.put(SKIPPED_DIGEST, Long.toHexString(skippedDigest));
        }
        if (augmented > 0) {
            p.put(AUGMENTED, Long.toString(augmented));
        }
        if (newestEventTime > 0) {
            p.put(NEWEST_EVENT_TIME, Long.toString(newestEventTime));
        }
    }

    /** A 64-bit hash of a sample id (FNV-1a over UTF-8, then a splitmix64 finalizer). */
    public static long idHash(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
