package io.flinkdistill.provenance;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a trainer has trained, as a student's provenance records it: per Kafka partition of its
 * input the samples trained and the highest offset seen, the order-free digest of the trained ids,
 * the samples the teacher budget skipped (count and id digest), the augmented variants trained on
 * and the newest event time trained on (ms since the epoch, 0 before any).
 */
public record TrainedCounts(
        SortedMap<Integer, Long> samplesPerPartition,
        SortedMap<Integer, Long> highestOffsets,
        long idDigest,
        long skipped,
        long skippedDigest,
        long augmented,
        long newestEventTime) {

    public static final TrainedCounts NONE =
            new TrainedCounts(new TreeMap<>(), new TreeMap<>(), 0, 0, 0, 0, 0);

    public TrainedCounts {
        samplesPerPartition = Collections.unmodifiableSortedMap(new TreeMap<>(samplesPerPartition));
        highestOffsets = Collections.unmodifiableSortedMap(new TreeMap<>(highestOffsets));
    }
}
