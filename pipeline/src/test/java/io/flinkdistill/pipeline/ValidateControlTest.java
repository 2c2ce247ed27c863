package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.job.DeadLetter;
import io.flinkdistill.pipeline.job.RawRecord;
import io.flinkdistill.pipeline.job.ValidateAndSplit;
import io.flinkdistill.pipeline.job.ValidateControl;
import io.flinkdistill.schemas.AvroBytes;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Control commands that do not decode or do not fit the job go to the dead letters. */
class ValidateControlTest {

    @Test
    void shouldPassValidCommandsAndDeadLetterTheRestWithTheReason() throws Exception {
        try (var h =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(new ValidateControl(List.of("a", "b"))))) {
            h.open();
            h.processElement(record(0, command("ok", Map.of("a", 2.0, "b", 1.0))));
            h.processElement(record(1, command("release", Map.of("learn", 1.0))));
            h.processElement(record(2, command("who", Map.of("gpt", 1.0))));
            h.processElement(record(3, command("zero", Map.of("a", 0.0))));
            h.processElement(record(4, command("neg", Map.of("a", -1.0))));
            h.processElement(record(5, "garbage".getBytes(StandardCharsets.UTF_8)));
            assertThat(h.extractOutputValues())
                    .extracting(ControlCommand::getId)
                    .containsExactly("ok", "release");
            List<DeadLetter> dead =
                    h.getSideOutput(ValidateAndSplit.DEAD_LETTERS).stream()
                            .map(StreamRecord::getValue)
                            .toList();
            assertThat(dead).extracting(d -> d.offset).containsExactly(2L, 3L, 4L, 5L);
            assertThat(dead).allSatisfy(d -> assertThat(d.topic).isEqualTo("distill.control"));
            assertThat(dead.get(0).reason)
                    .isEqualTo(
                            "SET_TEACHER_WEIGHTS names teacher 'gpt'; the job's teachers are [a, b]"
                                    + " (or send learn=1 alone to release the weights)");
            assertThat(dead.get(1).reason)
                    .isEqualTo("SET_TEACHER_WEIGHTS needs a weight > 0 for at least one teacher");
            assertThat(dead.get(2).reason).isEqualTo("value a=-1.0 must be finite and >= 0");
            assertThat(dead.get(3).reason)
                    .startsWith("not a ControlCommand (Avro single-object or JSON)");
        }
    }

    @Test
    void shouldCheckTrainerCommandsWhetherAvroOrJson() throws Exception {
        try (var h =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(new ValidateControl(List.of("a"))))) {
            h.open();
            h.processElement(
                    record(
                            0,
                            json(
                                    "{\"id\":\"w\",\"issuer\":\"ops\",\"type\":\"set-loss-weights\","
                                            + "\"values\":{\"soft\":0.6,\"feature\":0.4}}")));
            h.processElement(record(1, json("{\"id\":\"p\",\"type\":\"pause\"}")));
            h.processElement(
                    record(
                            2,
                            json(
                                    "{\"id\":\"x\",\"type\":\"set-loss-weights\","
                                            + "\"values\":{\"kl\":1}}")));
            h.processElement(
                    record(
                            3,
                            json(
                                    "{\"id\":\"t\",\"type\":\"set-temperature\","
                                            + "\"values\":{\"tau\":2}}")));
            h.processElement(record(4, json("{\"id\":\"q\",\"type\":\"stop\"}")));
            assertThat(h.extractOutputValues())
                    .extracting(ControlCommand::getType)
                    .containsExactly(ControlType.SET_LOSS_WEIGHTS, ControlType.PAUSE);
            List<String> reasons =
                    h.getSideOutput(ValidateAndSplit.DEAD_LETTERS).stream()
                            .map(r -> r.getValue().reason)
                            .toList();
            assertThat(reasons)
                    .containsExactly(
                            "SET_LOSS_WEIGHTS names 'kl'; allowed: soft, feature, attention, hard",
                            "SET_TEMPERATURE takes exactly one value, temperature (> 0; 0 gives the"
                                    + " temperature back to the schedule), got [tau]",
                            "not a ControlCommand (Avro single-object or JSON): unknown command type"
                                    + " 'stop'; allowed: set-loss-weights, set-temperature, pause,"
                                    + " resume, publish-now, set-teacher-weights, realign");
        }
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static StreamRecord<RawRecord> record(long offset, byte[] value) {
        return new StreamRecord<>(new RawRecord("distill.control", 0, offset, value));
    }

    private static byte[] command(String id, Map<String, Double> values) {
        ControlCommand c = io.flinkdistill.testing.Commands.teacherWeights(id, values);
        return AvroBytes.encode(c::toByteBuffer);
    }
}
