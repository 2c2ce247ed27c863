package io.flinkdistill.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControlCommandsTest {

    @Test
    void shouldDecodeTheJsonPeopleTypeIntoTheConsoleProducer() throws IOException {
        ControlCommand c =
                ControlCommands.decode(
                        " {\"id\":\"ops-7\",\"issuer\":\"alice\",\"type\":\"set-temperature\",\"values\":{\"temperature\":2}}"
                                .getBytes(StandardCharsets.UTF_8));

        assertThat(c.getId()).isEqualTo("ops-7");
        assertThat(c.getIssuer()).isEqualTo("alice");
        assertThat(c.getType()).isEqualTo(ControlType.SET_TEMPERATURE);
        assertThat(c.getStudent()).isNull();
        assertThat(c.getValues()).containsEntry("temperature", 2.0);
    }

    @Test
    void shouldDecodeAvroAndRoundTripJson() throws IOException {
        ControlCommand c =
                ControlCommand.newBuilder()
                        .setId("a1")
                        .setIssuer("script")
                        .setType(ControlType.SET_LOSS_WEIGHTS)
                        .setStudent("sst2")
                        .setValues(Map.of("soft", 0.6, "feature", 0.4))
                        .setTimestamp(Instant.ofEpochMilli(1234))
                        .build();

        assertThat(ControlCommands.decode(AvroBytes.encode(c::toByteBuffer))).isEqualTo(c);
        assertThat(ControlCommands.fromJson(ControlCommands.toJson(c))).isEqualTo(c);
    }

    @Test
    void shouldNameWhatIsWrong() {
        assertThatThrownBy(() -> ControlCommands.fromJson("{\"id\":\"x\",\"type\":\"reboot\"}"))
                .hasMessageContaining("unknown command type 'reboot'")
                .hasMessageContaining("set-loss-weights")
                .hasMessageNotContaining("unknown,");
        assertThatThrownBy(() -> ControlCommands.fromJson("{\"type\":\"pause\"}"))
                .hasMessageContaining("missing 'id'");
        assertThatThrownBy(
                        () ->
                                ControlCommands.fromJson(
                                        "{\"id\":\"x\",\"type\":\"pause\",\"values\":{\"a\":\"b\"}}"))
                .hasMessageContaining("value 'a' must be a number");
        assertThatThrownBy(() -> ControlCommands.fromJson("{\"id\":"))
                .hasMessageContaining("not valid JSON");
    }
}
