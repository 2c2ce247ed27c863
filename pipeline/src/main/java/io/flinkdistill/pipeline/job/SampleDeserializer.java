package io.flinkdistill.pipeline.job;

import io.flinkdistill.pipeline.input.BadRecordException;
import io.flinkdistill.pipeline.input.RecordDecoder;
import io.flinkdistill.pipeline.input.SampleFields;
import io.flinkdistill.pipeline.input.SampleInputs;
import io.flinkdistill.pipeline.input.SchemaRegistryClient;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes each record by its topic's format and field mapping ({@link SampleInputs}) and never
 * throws for a bad record: one that does not decode becomes a {@link DecodedSample} carrying the
 * reason and the raw bytes, which the job routes to the dead-letter topic. (Kafka's own record
 * emitter would fail the job.) A record without an id of its own gets its coordinates, {@code
 * topic/partition/offset}, which a replay of the same topic reproduces. Only an unreachable schema
 * registry fails the job (after retries), so that it restarts from its checkpoint and loses
 * nothing.
 */
public final class SampleDeserializer implements KafkaRecordDeserializationSchema<DecodedSample> {
    private static final long serialVersionUID = 1L;

    private final SampleInputs inputs;
    private final SchemaRegistryClient registry;
    private transient Map<String, RecordDecoder> decoders;

    /** Our own Avro TrainingSamples on any topic. */
    public SampleDeserializer() {
        this(SampleInputs.avro("distill.samples"));
    }

    public SampleDeserializer(SampleInputs inputs) {
        this.inputs = inputs;
        this.registry =
                inputs.needsRegistry()
                        ? SchemaRegistryClient.withDefaults(inputs.registryUrl())
                        : null;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<DecodedSample> out) {
        DecodedSample d = new DecodedSample();
        d.topic = record.topic();
        d.partition = record.partition();
        d.offset = record.offset();
        byte[] value = record.value();
        if (value == null) {
            d.error = "empty record value (tombstone)";
            d.raw = new byte[0];
            out.collect(d);
            return;
        }
        try {
            SampleFields f = decoder(record.topic()).decode(value);
            d.id = f.id() != null ? f.id() : d.topic + "/" + d.partition + "/" + d.offset;
            d.text = f.text();
            d.label = f.label();
            d.features = f.features();
            d.eventTime = f.eventTime() > 0 ? f.eventTime() : Math.max(0, record.timestamp());
            d.source = f.source() != null ? f.source() : record.topic();
        } catch (BadRecordException e) {
            d.error = e.getMessage();
            d.raw = value;
        }
        out.collect(d);
    }

    private RecordDecoder decoder(String topic) {
        if (decoders == null) {
            decoders = new HashMap<>();
        }
        return decoders.computeIfAbsent(topic, t -> RecordDecoder.of(inputs.forTopic(t), registry));
    }

    @Override
    public TypeInformation<DecodedSample> getProducedType() {
        return TypeInformation.of(DecodedSample.class);
    }
}
