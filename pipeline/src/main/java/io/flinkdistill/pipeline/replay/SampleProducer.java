package io.flinkdistill.pipeline.replay;

import io.flinkdistill.schemas.AvroBytes;
import io.flinkdistill.schemas.TrainingSample;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Replays dataset rows onto a Kafka topic as Avro {@link TrainingSample}s (single-object encoding:
 * a schema fingerprint precedes each record), optionally at a fixed rate, keyed by sample id.
 */
public final class SampleProducer {
    private SampleProducer() {}

    /**
     * @param pass replay number, from 1; ids of later passes get a {@code /pN} suffix so that a row
     *     seen again is a new sample
     * @param keepLabel which rows keep their gold label; the others are sent unlabelled
     * @param ratePerSecond samples per second, or 0 for as fast as possible
     * @return the number of samples written
     */
    public static long produce(
            Map<String, Object> clientConfig,
            String topic,
            TsvDataset data,
            List<TsvRow> rows,
            int pass,
            Predicate<TsvRow> keepLabel,
            double ratePerSecond)
            throws InterruptedException {
        return produce(clientConfig, topic, data, rows, pass, keepLabel, ratePerSecond, null);
    }

    /**
     * As above, into one partition when {@code partition} is not null (a stream whose order across
     * all records matters, such as a domain shift at a known offset), else by the id's hash.
     */
    public static long produce(
            Map<String, Object> clientConfig,
            String topic,
            TsvDataset data,
            List<TsvRow> rows,
            int pass,
            Predicate<TsvRow> keepLabel,
            double ratePerSecond,
            Integer partition)
            throws InterruptedException {
        return produce(
                clientConfig,
                topic,
                data,
                rows,
                pass,
                keepLabel,
                ratePerSecond,
                partition,
                SampleEncoding.AVRO);
    }

    /** As above, each sample written in {@code encoding}. */
    public static long produce(
            Map<String, Object> clientConfig,
            String topic,
            TsvDataset data,
            List<TsvRow> rows,
            int pass,
            Predicate<TsvRow> keepLabel,
            double ratePerSecond,
            Integer partition,
            SampleEncoding encoding)
            throws InterruptedException {
        Properties props = new Properties();
        props.putAll(clientConfig);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        String source = data.file().getFileName().toString();
        long start = System.nanoTime();
        long sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (TsvRow row : rows) {
                String id = pass == 1 ? data.idOf(row) : data.idOf(row) + "/p" + pass;
                TrainingSample sample =
                        TrainingSample.newBuilder()
                                .setId(id)
                                .setText(row.text())
                                .setLabel(keepLabel.test(row) ? row.label() : null)
                                .setFeatures(null)
                                .setSource(source + ":" + row.line())
                                .setEventTime(Instant.now())
                                .build();
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                partition,
                                id.getBytes(StandardCharsets.UTF_8),
                                encoding.encode(sample)));
                sent++;
                if (ratePerSecond > 0) {
                    long due = start + (long) (sent * 1e9 / ratePerSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            }
            producer.flush();
        }
        return sent;
    }

    public static byte[] encode(TrainingSample sample) {
        return AvroBytes.encode(sample::toByteBuffer);
    }
}
