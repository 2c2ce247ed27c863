package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.job.EvalSplit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a trainer has trained, sample by sample: the count and the highest offset per input
 * partition, and the digest of the trained ids (a sum of 64-bit id hashes, so a duplicate and a
 * loss that leave every count equal still change it). Built from the samples topic for what should
 * have been trained, and from the trainer's checkpoint log lines for what was.
 */
record TrainedLedger(
        long samples,
        TreeMap<Integer, Long> perPartition,
        TreeMap<Integer, Long> highestOffsets,
        String idDigest) {

    private static final Pattern CHECKPOINT =
            Pattern.compile(
                    "Checkpoint (\\d+): student (\\S+) at step \\d+ after (\\d+) samples, weights"
                            + " fingerprint \\w+; samples per partition \\{([^}]*)\\}, highest"
                            + " offsets \\{([^}]*)\\}, trained-id digest (\\w+)");

    /**
     * The ledger of every training (non-eval) record in the samples topic now; fails if the topic
     * holds an id twice (the producer is idempotent, so the topic itself must not duplicate).
     */
    static TrainedLedger ofTopic(String bootstrapServers, String topic, EvalSplit split) {
        long samples = 0;
        long digest = 0;
        TreeMap<Integer, Long> perPartition = new TreeMap<>();
        TreeMap<Integer, Long> highest = new TreeMap<>();
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicRecords.records(bootstrapServers, topic)) {
            String id = new String(r.key(), StandardCharsets.UTF_8);
            assertThat(ids.add(id)).as("id %s is in %s once", id, topic).isTrue();
            if (split.isEval(id)) {
                continue;
            }
            samples++;
            digest += io.flinkdistill.sample.SampleIds.hash(id);
            perPartition.merge(r.partition(), 1L, Long::sum);
            highest.merge(r.partition(), r.offset(), Math::max);
        }
        return new TrainedLedger(samples, perPartition, highest, Long.toHexString(digest));
    }

    /** One checkpoint of a student as a TaskManager logged it. */
    record Checkpoint(long id, TrainedLedger ledger) {}

    /** Every checkpoint of {@code student} logged in the TaskManager logs under {@code logDir}. */
    static List<Checkpoint> checkpoints(Path logDir, String student) throws IOException {
        List<Checkpoint> out = new ArrayList<>();
        try (Stream<Path> logs = Files.list(logDir)) {
            for (Path log :
                    logs.filter(f -> f.getFileName().toString().matches("taskmanager.*\\.log"))
                            .toList()) {
                Matcher m = CHECKPOINT.matcher(Files.readString(log));
                while (m.find()) {
                    if (m.group(2).equals(student)) {
                        out.add(
                                new Checkpoint(
                                        Long.parseLong(m.group(1)),
                                        new TrainedLedger(
                                                Long.parseLong(m.group(3)),
                                                partitionMap(m.group(4)),
                                                partitionMap(m.group(5)),
                                                m.group(6))));
                    }
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(Checkpoint::id));
        return out;
    }

    /**
     * Waits for the first checkpoint of {@code student} holding at least {@code samples}, then for
     * {@code more} checkpoints after it; returns both ledgers (the later one shows nothing more was
     * trained afterwards, by replay or otherwise).
     */
    static TrainedLedger[] awaitCheckpointed(
            Path logDir, String student, long samples, int more, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Checkpoint> all = List.of();
        while (System.nanoTime() < deadline) {
            all = checkpoints(logDir, student);
            Checkpoint first =
                    all.stream()
                            .filter(c -> c.ledger().samples() >= samples)
                            .findFirst()
                            .orElse(null);
            if (first != null) {
                List<Checkpoint> after = all.stream().filter(c -> c.id() > first.id()).toList();
                if (after.size() >= more) {
                    return new TrainedLedger[] {first.ledger(), after.get(more - 1).ledger()};
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                "no checkpoint of "
                        + student
                        + " with "
                        + samples
                        + " samples and "
                        + more
                        + " after it within "
                        + timeout
                        + "; last: "
                        + (all.isEmpty() ? "none" : all.get(all.size() - 1)));
    }

    /**
     * Asserts that the trainer trained every training sample of the samples topic exactly once: its
     * first checkpoint holding them all, and the one {@code more} checkpoints later, equal the
     * topic's ledger (count and highest offset per partition, id digest).
     */
    static void assertEachTrainedOnce(String bootstrapServers, Path logDir, long expected, int more)
            throws Exception {
        TrainedLedger produced =
                ofTopic(
                        bootstrapServers,
                        "distill.samples",
                        new io.flinkdistill.pipeline.job.EvalSplit(0.1));
        assertThat(produced.samples()).as("training samples in the topic").isEqualTo(expected);
        TrainedLedger[] trained =
                awaitCheckpointed(logDir, "student", expected, more, Duration.ofMinutes(1));
        assertThat(trained[0])
                .as("the first checkpoint with every sample: each once, per partition and by id")
                .isEqualTo(produced);
        assertThat(trained[1]).as("%d checkpoints later: nothing more", more).isEqualTo(produced);
    }

    private static TreeMap<Integer, Long> partitionMap(String text) {
        TreeMap<Integer, Long> m = new TreeMap<>();
        for (String entry : text.split(",")) {
            if (!entry.isBlank()) {
                String[] kv = entry.trim().split("=");
                m.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
            }
        }
        return m;
    }
}
