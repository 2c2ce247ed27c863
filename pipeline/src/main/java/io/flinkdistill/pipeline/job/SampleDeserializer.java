package io.flinkdistill.pipeline.job;

import io.flinkdistill.schemas.TrainingSample;
import java.nio.ByteBuffer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Avro {@link TrainingSample}s (single-object encoding) and never throws: a record that
 * does not decode becomes a {@link DecodedSample} carrying the reason and the raw bytes, which the
 * job routes to the dead-letter topic. (Kafka's own record emitter would fail the job.)
 */
public final class SampleDeserializer implements KafkaRecordDeserializationSchema<DecodedSample> {
    private static final long serialVersionUID = 1L;

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
            TrainingSample s = TrainingSample.fromByteBuffer(ByteBuffer.wrap(value));
            d.id = s.getId();
            d.text = s.getText();
            d.label = s.getLabel();
            if (s.getFeatures() != null) {
                d.features = new float[s.getFeatures().size()];
                for (int i = 0; i < d.features.length; i++) {
                    d.features[i] = s.getFeatures().get(i);
                }
            }
        } catch (Exception | StackOverflowError e) {
            d.error =
                    "not an Avro TrainingSample: "
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage();
            d.raw = value;
        }
        out.collect(d);
    }

    @Override
    public TypeInformation<DecodedSample> getProducedType() {
        return TypeInformation.of(DecodedSample.class);
    }
}
