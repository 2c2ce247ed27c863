package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.job.DecodedSample;
import io.flinkdistill.pipeline.job.SampleDeserializer;
import io.flinkdistill.schemas.TrainingSample;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Records that do not decode as our TrainingSample become dead letters with the reason. */
class SampleDeserializerTest {

    @Test
    void aNullRequiredFieldWrittenWithALooserSchemaShouldBecomeADeadLetter() throws Exception {
        // A producer whose schema lets the required id be null, writing one with a null id.
        Schema loose =
                new Schema.Parser()
                        .parse(
                                TrainingSample.getClassSchema()
                                        .toString()
                                        .replace(
                                                "{\"name\":\"id\",\"type\":{\"type\":\"string\",\"avro.java.string\":\"String\"}",
                                                "{\"name\":\"id\",\"type\":[\"null\",\"string\"]"));
        assertThat(loose.getField("id").schema().isNullable()).isTrue();
        GenericRecord r = new GenericData.Record(loose);
        r.put("id", null);
        r.put("text", "a fine film");
        r.put("source", "producer");
        r.put("event_time", 0L);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), loose).encode(r, bytes);

        DecodedSample d = decode(bytes.toByteArray(), 17);

        assertThat(d.error).startsWith("not an Avro TrainingSample");
        assertThat(d.offset).isEqualTo(17);
        assertThat(d.raw).isEqualTo(bytes.toByteArray());
    }

    @Test
    void aTombstoneShouldBecomeADeadLetter() {
        assertThat(decode(null, 3).error).isEqualTo("empty record value (tombstone)");
    }

    private static DecodedSample decode(byte[] value, long offset) {
        List<DecodedSample> out = new ArrayList<>();
        new SampleDeserializer()
                .deserialize(
                        new ConsumerRecord<>("distill.samples", 1, offset, null, value),
                        new ListCollector<>(out));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).partition).isEqualTo(1);
        return out.get(0);
    }
}
