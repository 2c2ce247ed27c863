package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.job.DeadLetter;
import io.flinkdistill.pipeline.job.DecodedSample;
import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.job.SampleDeserializer;
import io.flinkdistill.pipeline.job.ValidateAndSplit;
import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.schemas.AvroBytes;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import io.flinkdistill.schemas.TrainingSample;
import io.flinkdistill.teacher.TeacherInput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Each kind of bad input goes to the dead letters with its coordinates and reason; good input
 * passes.
 */
class ValidateAndSplitTest {
    private static final List<String> CLASSES = List.of("0", "1");

    @Test
    void shouldDeadLetterBytesThatAreNotAnAvroSample() throws Exception {
        DeadLetter l = single(decode("plain text".getBytes(), 7L), false);
        assertThat(l.offset).isEqualTo(7L);
        assertThat(l.topic).isEqualTo("samples");
        assertThat(l.reason).contains("not an Avro TrainingSample");
        assertThat(l.payload).isEqualTo("plain text".getBytes());
    }

    @Test
    void shouldDeadLetterARecordOfAnotherSchema() throws Exception {
        ControlCommand other =
                ControlCommand.newBuilder()
                        .setId("c1")
                        .setIssuer("me")
                        .setType(ControlType.PAUSE)
                        .setStudent(null)
                        .setValues(Map.of())
                        .setTimestamp(Instant.now())
                        .build();
        DeadLetter l = single(decode(AvroBytes.encode(other::toByteBuffer), 3L), false);
        assertThat(l.reason).contains("not an Avro TrainingSample");
    }

    @Test
    void shouldDeadLetterEmptyTextLabelsOutsideTheClassesAndNonFiniteFeatures() throws Exception {
        assertThat(single(decode(sample("a", "  ", null, null), 1L), false).reason)
                .contains("empty text");
        assertThat(single(decode(sample("b", "fine", "positive", null), 2L), false).reason)
                .contains("'positive'")
                .contains("[0, 1]");
        assertThat(
                        single(
                                        decode(
                                                sample("c", "fine", "1", List.of(0.5f, Float.NaN)),
                                                3L),
                                        false)
                                .reason)
                .contains("non-finite feature at index 1");
    }

    @Test
    void shouldDeadLetterTextThatIsNotValidUtf8() throws Exception {
        byte[] bytes = sample("u", "a ZZZZ film", "1", null);
        byte[] marker = "ZZZZ".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] invalid = {(byte) 0xC3, (byte) 0x28, (byte) 0xA0, (byte) 0xFF};
        int at = indexOf(bytes, marker);
        assertThat(at).isPositive();
        System.arraycopy(invalid, 0, bytes, at, invalid.length);
        DeadLetter l = single(decode(bytes, 4L), false);
        assertThat(l.reason).isEqualTo("sample u has text that is not valid UTF-8");
        assertThat(l.offset).isEqualTo(4L);
    }

    private static int indexOf(byte[] data, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= data.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void shouldTruncateOrDeadLetterLongTextAsConfigured() throws Exception {
        String longText = "x".repeat(50);
        try (var h = harness(false)) {
            h.processElement(new StreamRecord<>(decode(sample("d", longText, "1", null), 4L)));
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(t -> assertThat(t.text).hasSize(20));
        }
        assertThat(single(decode(sample("e", longText, "1", null), 5L), true).reason)
                .contains("over the limit of 20");
    }

    private static DeadLetter single(DecodedSample d, boolean deadLetterLongText) throws Exception {
        try (var h = harness(deadLetterLongText)) {
            h.processElement(new StreamRecord<>(d));
            assertThat(h.extractOutputValues()).isEmpty();
            List<DeadLetter> letters = new ArrayList<>();
            h.getSideOutput(ValidateAndSplit.DEAD_LETTERS).forEach(r -> letters.add(r.getValue()));
            assertThat(letters).hasSize(1);
            return letters.get(0);
        }
    }

    private static OneInputStreamOperatorTestHarness<DecodedSample, TeacherInput> harness(
            boolean deadLetterLongText) throws Exception {
        var h =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(
                                new ValidateAndSplit(
                                        new EvalSplit(0.1), 20, deadLetterLongText, CLASSES)));
        h.open();
        return h;
    }

    private static byte[] sample(String id, String text, String label, List<Float> features) {
        return SampleProducer.encode(
                TrainingSample.newBuilder()
                        .setId(id)
                        .setText(text)
                        .setLabel(label)
                        .setFeatures(features)
                        .setSource("test")
                        .setEventTime(Instant.now())
                        .build());
    }

    private static DecodedSample decode(byte[] value, long offset) {
        List<DecodedSample> out = new ArrayList<>();
        new SampleDeserializer()
                .deserialize(
                        new ConsumerRecord<>("samples", 0, offset, null, value),
                        new Collector<>() {
                            @Override
                            public void collect(DecodedSample record) {
                                out.add(record);
                            }

                            @Override
                            public void close() {}
                        });
        assertThat(out).hasSize(1);
        return out.get(0);
    }
}
