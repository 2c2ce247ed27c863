package io.flinkdistill.pipeline.cli;

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

/** Reads {@link DistillMetrics} from the metrics topic on a background thread and hands each on. */
final class MetricsFollower implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<DistillMetrics> latest = new AtomicReference<>();
    private final Thread thread;

    MetricsFollower(
            Map<String, Object> clientConfig, String topic, Consumer<DistillMetrics> onRecord) {
        Properties props = new Properties();
        props.putAll(clientConfig);
        props.put(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        thread =
                new Thread(
                        () -> {
                            try (KafkaConsumer<byte[], byte[]> consumer =
                                    new KafkaConsumer<>(props)) {
                                // No consumer group: a viewer must not take part in anyone's
                                // offsets.
                                List<TopicPartition> partitions =
                                        consumer.partitionsFor(topic).stream()
                                                .map(p -> new TopicPartition(topic, p.partition()))
                                                .toList();
                                consumer.assign(partitions);
                                consumer.seekToBeginning(partitions);
                                while (running.get()) {
                                    for (ConsumerRecord<byte[], byte[]> r :
                                            consumer.poll(Duration.ofMillis(200))) {
                                        try {
                                            DistillMetrics m =
                                                    DistillMetrics.fromByteBuffer(
                                                            ByteBuffer.wrap(r.value()));
                                            latest.set(m);
                                            onRecord.accept(m);
                                        } catch (Exception e) {
                                            System.err.println(
                                                    "Skipping an unreadable metrics record at offset "
                                                            + r.offset()
                                                            + ": "
                                                            + e);
                                        }
                                    }
                                }
                            }
                        },
                        "metrics-follower");
        thread.setDaemon(true);
        thread.start();
    }

    DistillMetrics latest() {
        return latest.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }
}
