package io.flinkdistill.pipeline.job;

import io.flinkdistill.pipeline.input.SampleInputs;
import io.flinkdistill.schemas.AvroBytes;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.schemas.StudentModelPublished;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Connects {@link DistillationJob} to real Kafka topics. */
public final class KafkaWiring {
    private KafkaWiring() {}

    /** Topic names and client settings of one job. */
    public record KafkaSettings(
            Map<String, Object> clientConfig,
            SampleInputs samples,
            String metricsTopic,
            String deadLetterTopic,
            String controlTopic,
            String modelsTopic,
            String groupId,
            boolean bounded,
            boolean exactlyOnceTopics)
            implements java.io.Serializable {

        /**
         * Settings for these samples, every other value at its default (the job options' defaults:
         * the {@code distill.*} topics, group {@code flink-distill}, unbounded, metrics and model
         * events at least once), to be changed with the builder's {@code optX} methods.
         */
        public static Builder builder(Map<String, Object> clientConfig, SampleInputs samples) {
            return new Builder(clientConfig, samples);
        }

        /** Builds {@link KafkaSettings}. */
        public static final class Builder {
            private final Map<String, Object> clientConfig;
            private final SampleInputs samples;
            private String metricsTopic = "distill.metrics";
            private String deadLetterTopic = "distill.samples.dlq";
            private String controlTopic = "distill.control";
            private String modelsTopic = "distill.models";
            private String groupId = "flink-distill";
            private boolean bounded;
            private boolean exactlyOnceTopics;

            private Builder(Map<String, Object> clientConfig, SampleInputs samples) {
                this.clientConfig = clientConfig;
                this.samples = samples;
            }

            public Builder optMetricsTopic(String topic) {
                this.metricsTopic = topic;
                return this;
            }

            public Builder optDeadLetterTopic(String topic) {
                this.deadLetterTopic = topic;
                return this;
            }

            public Builder optControlTopic(String topic) {
                this.controlTopic = topic;
                return this;
            }

            public Builder optModelsTopic(String topic) {
                this.modelsTopic = topic;
                return this;
            }

            public Builder optGroupId(String groupId) {
                this.groupId = groupId;
                return this;
            }

            /** Read the samples up to the end offsets at start-up, then end. */
            public Builder optBounded(boolean bounded) {
                this.bounded = bounded;
                return this;
            }

            /** Metrics and model events in Kafka transactions (readers: read_committed). */
            public Builder optExactlyOnceTopics(boolean exactlyOnce) {
                this.exactlyOnceTopics = exactlyOnce;
                return this;
            }

            public KafkaSettings build() {
                return new KafkaSettings(
                        clientConfig,
                        samples,
                        metricsTopic,
                        deadLetterTopic,
                        controlTopic,
                        modelsTopic,
                        groupId,
                        bounded,
                        exactlyOnceTopics);
            }
        }

        /** Client settings with secrets (passwords, JAAS configs, keys, tokens) masked. */
        public Map<String, Object> redactedClientConfig() {
            Map<String, Object> out = new java.util.TreeMap<>();
            clientConfig.forEach((k, v) -> out.put(k, isSecret(k) ? "[redacted]" : v));
            return out;
        }

        /** Never prints a secret, whoever logs these settings. */
        @Override
        public String toString() {
            return "KafkaSettings[clientConfig="
                    + redactedClientConfig()
                    + ", samples="
                    + samples.describe()
                    + ", metrics="
                    + metricsTopic
                    + ", dlq="
                    + deadLetterTopic
                    + ", control="
                    + controlTopic
                    + ", models="
                    + modelsTopic
                    + ", group="
                    + groupId
                    + ", bounded="
                    + bounded
                    + ", exactlyOnceTopics="
                    + exactlyOnceTopics
                    + "]";
        }

        static boolean isSecret(String key) {
            String k = key.toLowerCase(java.util.Locale.ROOT);
            return k.contains("password")
                    || k.contains("jaas")
                    || k.contains("secret")
                    || k.contains("token")
                    || k.endsWith(".key")
                    || k.contains("credentials");
        }
    }

    public static SingleOutputStreamOperator<DecodedSample> source(
            StreamExecutionEnvironment env, KafkaSettings k) {
        Properties props = new Properties();
        props.putAll(k.clientConfig());
        KafkaSourceBuilder<DecodedSample> builder =
                KafkaSource.<DecodedSample>builder()
                        .setProperties(props)
                        .setGroupId(k.groupId())
                        .setStartingOffsets(
                                OffsetsInitializer.committedOffsets(
                                        org.apache.kafka.clients.consumer.OffsetResetStrategy
                                                .EARLIEST))
                        .setDeserializer(new SampleDeserializer(k.samples()));
        if (k.samples().pattern() != null) {
            builder.setTopicPattern(k.samples().compiledPattern());
        } else {
            builder.setTopics(k.samples().topics());
        }
        if (k.bounded()) {
            // Stop at the offsets that exist when the job starts: a replay of a fixed dataset.
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "kafka-samples")
                .uid("kafka-samples");
    }

    /**
     * The control topic, read from its start by every run (commands are idempotent by id, so
     * re-reading them is harmless). A bounded job reads the commands that exist when it starts.
     */
    public static SingleOutputStreamOperator<RawRecord> controlSource(
            StreamExecutionEnvironment env, KafkaSettings k) {
        return controlSource(env, k, k.bounded());
    }

    /**
     * @param bounded read only the commands that exist at start; an unbounded control source also
     *     brings the evaluator's own decisions back to the trainer, so a bounded job that steers
     *     itself reads it unbounded and is cancelled by its driver when the samples are done
     */
    public static SingleOutputStreamOperator<RawRecord> controlSource(
            StreamExecutionEnvironment env, KafkaSettings k, boolean bounded) {
        return controlSource(env, k, bounded, "kafka-control");
    }

    /** A reading of the control topic under its own uid (and consumer group suffix). */
    public static SingleOutputStreamOperator<RawRecord> controlSource(
            StreamExecutionEnvironment env, KafkaSettings k, boolean bounded, String uid) {
        Properties props = new Properties();
        props.putAll(k.clientConfig());
        KafkaSourceBuilder<RawRecord> builder =
                KafkaSource.<RawRecord>builder()
                        .setProperties(props)
                        .setTopics(k.controlTopic())
                        .setGroupId(
                                k.groupId()
                                        + (uid.equals("kafka-control") ? "-control" : "-" + uid))
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setDeserializer(new RawRecordDeserializer());
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), uid)
                .uid(uid)
                .setParallelism(1);
    }

    public static void sinks(DistillationJob.Outputs outputs, KafkaSettings k) {
        outputs.metrics()
                .map(new AddConsumerLag(k))
                .name("consumer-lag")
                .uid("consumer-lag")
                .setParallelism(1)
                .sinkTo(sink(k, k.metricsTopic(), new MetricsSerializer(), k.exactlyOnceTopics()))
                .name("metrics-sink")
                .uid("metrics-sink");
        outputs.models()
                .sinkTo(sink(k, k.modelsTopic(), new ModelEventSerializer(), k.exactlyOnceTopics()))
                .name("models-sink")
                .uid("models-sink");
        outputs.decisions()
                .sinkTo(sink(k, k.controlTopic(), new ControlSerializer(), false))
                .name("decisions-sink")
                .uid("decisions-sink");
        outputs.deadLetters()
                .sinkTo(sink(k, k.deadLetterTopic(), new DeadLetterSerializer(), false))
                .name("dead-letter-sink")
                .uid("dead-letter-sink");
    }

    /**
     * Transaction timeout of exactly-once sinks: above any checkpoint interval and restart, and
     * within the broker's default {@code transaction.max.timeout.ms} (15 minutes).
     */
    static final int TRANSACTION_TIMEOUT_MS = 900_000;

    /**
     * @param exactlyOnce write in Kafka transactions committed with each checkpoint: a reader with
     *     {@code isolation.level=read_committed} sees each record once, after the checkpoint that
     *     covers it completes; otherwise at least once, visible at once
     */
    private static <T> KafkaSink<T> sink(
            KafkaSettings k, String topic, SerializationSchema<T> values, boolean exactlyOnce) {
        Properties props = new Properties();
        props.putAll(k.clientConfig());
        var builder =
                KafkaSink.<T>builder()
                        .setRecordSerializer(
                                KafkaRecordSerializationSchema.<T>builder()
                                        .setTopic(topic)
                                        .setValueSerializationSchema(values)
                                        .build());
        if (exactlyOnce) {
            props.put("transaction.timeout.ms", Integer.toString(TRANSACTION_TIMEOUT_MS));
            builder.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix(k.groupId() + "-" + topic);
        } else {
            builder.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        return builder.setKafkaProducerConfig(props).build();
    }

    /** JSON encoding of dead letters. */
    static final class DeadLetterSerializer implements SerializationSchema<DeadLetter> {
        private static final long serialVersionUID = 1L;

        @Override
        public byte[] serialize(DeadLetter d) {
            return d.toJson();
        }
    }

    /** Avro single-object encoding of model events. */
    static final class ModelEventSerializer implements SerializationSchema<StudentModelPublished> {
        private static final long serialVersionUID = 1L;

        @Override
        public byte[] serialize(StudentModelPublished m) {
            return AvroBytes.encode(m::toByteBuffer);
        }
    }

    /** Avro single-object encoding of the evaluator's control commands. */
    static final class ControlSerializer implements SerializationSchema<ControlCommand> {
        private static final long serialVersionUID = 1L;

        @Override
        public byte[] serialize(ControlCommand c) {
            return AvroBytes.encode(c::toByteBuffer);
        }
    }

    /** Avro single-object encoding of metrics records. */
    static final class MetricsSerializer implements SerializationSchema<DistillMetrics> {
        private static final long serialVersionUID = 1L;

        @Override
        public byte[] serialize(DistillMetrics m) {
            return AvroBytes.encode(m::toByteBuffer);
        }
    }
}
