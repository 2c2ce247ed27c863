package io.flinkdistill.pipeline.kafka;

import io.flinkdistill.schemas.DistillMetrics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic of Avro records from its start on a background thread, without a consumer group,
 * and hands each decoded record on; an unreadable record is reported and skipped.
 */
public final class TopicFollower<T> implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<T> latest = new AtomicReference<>();
    private final Thread thread;

    /** Follows the metrics topic from its start. */
    public static TopicFollower<DistillMetrics> metrics(
            Map<String, Object> clientConfig, String topic, Consumer<DistillMetrics> onRecord) {
        return metrics(clientConfig, topic, onRecord, false);
    }

    /** Follows the metrics topic from its end: only records written from now on. */
    public static TopicFollower<DistillMetrics> metricsFromNow(
            Map<String, Object> clientConfig, String topic, Consumer<DistillMetrics> onRecord) {
        return metrics(clientConfig, topic, onRecord, true);
    }

    private static TopicFollower<DistillMetrics> metrics(
            Map<String, Object> clientConfig,
            String topic,
            Consumer<DistillMetrics> onRecord,
            boolean fromEnd) {
        return new TopicFollower<>(
                clientConfig,
                topic,
                bytes -> DistillMetrics.fromByteBuffer(ByteBuffer.wrap(bytes)),
                onRecord,
                fromEnd);
    }

    /** Decodes one record value. */
    @FunctionalInterface
    public interface Decoder<T> {
        T decode(byte[] value) throws Exception;
    }

    public TopicFollower(
            Map<String, Object> clientConfig,
            String topic,
            Decoder<T> decoder,
            Consumer<T> onRecord) {
        this(clientConfig, topic, decoder, onRecord, false);
    }

    public TopicFollower(
            Map<String, Object> clientConfig,
            String topic,
            Decoder<T> decoder,
            Consumer<T> onRecord,
            boolean fromEnd) {
        Properties props = new Properties();
        props.putAll(clientConfig);
        props.put(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Records of a transactional (exactly-once) writer only once committed; the same for
        // others.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        thread =
                new Thread(
                        () -> {
                            try (KafkaConsumer<byte[], byte[]> consumer =
                                    new KafkaConsumer<>(props)) {
                                // No consumer group: a viewer must not take part in anyone's
                                // offsets.
                                // The job may create the topic: wait for it.
                                List<TopicPartition> partitions = List.of();
                                while (partitions.isEmpty() && running.get()) {
                                    partitions =
                                            consumer.partitionsFor(topic).stream()
                                                    .map(
                                                            p ->
                                                                    new TopicPartition(
                                                                            topic, p.partition()))
                                                    .toList();
                                    if (partitions.isEmpty()) {
                                        sleepQuietly(1000);
                                    }
                                }
                                consumer.assign(partitions);
                                if (fromEnd) {
                                    consumer.seekToEnd(partitions);
                                } else {
                                    consumer.seekToBeginning(partitions);
                                }
                                while (running.get()) {
                                    for (ConsumerRecord<byte[], byte[]> r :
                                            consumer.poll(Duration.ofMillis(200))) {
                                        try {
                                            T m = decoder.decode(r.value());
                                            latest.set(m);
                                            onRecord.accept(m);
                                        } catch (Exception e) {
                                            System.err.println(
                                                    "Skipping an unreadable record of "
                                                            + topic
                                                            + " at offset "
                                                            + r.offset()
                                                            + ": "
                                                            + e);
                                        }
                                    }
                                }
                            }
                        },
                        "follower-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public T latest() {
        return latest.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }
}
