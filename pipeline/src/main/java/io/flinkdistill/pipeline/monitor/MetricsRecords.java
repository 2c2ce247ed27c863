package io.flinkdistill.pipeline.monitor;

import io.flinkdistill.schemas.DistillMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Where {@code monitor} and {@code report} get metrics: a recording, or the metrics topic. */
public final class MetricsRecords {
    private MetricsRecords() {}

    /**
     * One record per student and step, the latest written: the metrics topic is written at least
     * once, so after a restart the trainer's replayed steps appear again.
     */
    public static List<DistillMetrics> onePerStep(List<DistillMetrics> records) {
        java.util.Map<String, DistillMetrics> latest = new java.util.LinkedHashMap<>();
        for (DistillMetrics m : records) {
            latest.remove(m.getStudent() + "\u0000" + m.getStep());
            latest.put(m.getStudent() + "\u0000" + m.getStep(), m);
        }
        List<DistillMetrics> out = new ArrayList<>(latest.values());
        out.sort(
                java.util.Comparator.comparing((DistillMetrics m) -> m.getStudent())
                        .thenComparingLong(DistillMetrics::getStep));
        return out;
    }

    /** Every record of a JSON-lines recording ({@code distill monitor --json} output). */
    public static List<DistillMetrics> readRecording(Path file) throws IOException {
        List<DistillMetrics> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(MetricsJson.fromLine(line));
                } catch (IOException e) {
                    throw new IOException(file + " line " + n + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /**
     * Every record on the topic now, from its start to the end offsets at the call (no consumer
     * group); unreadable records are reported on stderr and skipped.
     *
     * @param timeout how long reading may take before it fails with a message naming the servers
     */
    public static List<DistillMetrics> readTopic(
            Map<String, Object> clientConfig, String topic, Duration timeout) throws IOException {
        return readTopic(
                clientConfig,
                topic,
                timeout,
                v -> DistillMetrics.fromByteBuffer(ByteBuffer.wrap(v)));
    }

    /** Every record of a topic now, decoded; an unreadable one is skipped with a message. */
    public static <T> List<T> readTopic(
            Map<String, Object> clientConfig,
            String topic,
            Duration timeout,
            DecodeFunction<T> decode)
            throws IOException {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        // Records of a transactional (exactly-once) writer only once committed.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts =
                    consumer.partitionsFor(topic, timeout).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            if (parts.isEmpty()) {
                throw new IOException("topic " + topic + " does not exist");
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(
                            "reading " + topic + " took longer than " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        out.add(decode.apply(r.value()));
                    } catch (Exception e) {
                        System.err.println(
                                "Skipping an unreadable record of "
                                        + topic
                                        + " at partition "
                                        + r.partition()
                                        + " offset "
                                        + r.offset()
                                        + ": "
                                        + e);
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IOException(
                    "no answer from Kafka at "
                            + clientConfig.get("bootstrap.servers")
                            + " within "
                            + timeout.toSeconds()
                            + " s ("
                            + e.getMessage()
                            + ")",
                    e);
        }
        return out;
    }

    /** Decodes one record value (may throw: the record is then skipped). */
    @FunctionalInterface
    public interface DecodeFunction<T> {
        T apply(byte[] value) throws Exception;
    }
}
