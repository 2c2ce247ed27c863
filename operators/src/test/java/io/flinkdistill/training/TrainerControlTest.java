package io.flinkdistill.training;

import static io.flinkdistill.testing.Commands.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.schemas.ControlType;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerControlTest {

    @Test
    void shouldApplyACommandOnceAndKeepComponentsItLeavesOut() {
        TrainerControl c = new TrainerControl();
        c.know("a");
        var effect =
                c.apply(
                        command("w1", ControlType.SET_LOSS_WEIGHTS, null, Map.of("soft", 0.7)),
                        s -> LossWeights.defaults());

        assertThat(effect.applied()).isTrue();
        assertThat(c.overridesFor("a").weights.soft()).isEqualTo(0.7);
        assertThat(c.overridesFor("a").weights.feature()).isEqualTo(0.3);
        assertThat(c.overridesFor("later").weights.soft()).isEqualTo(0.7);

        var again =
                c.apply(
                        command("w1", ControlType.SET_LOSS_WEIGHTS, null, Map.of("soft", 0.1)),
                        s -> LossWeights.defaults());
        assertThat(again.applied()).isFalse();
        assertThat(c.overridesFor("a").weights.soft()).isEqualTo(0.7);
    }

    @Test
    void shouldScopeCommandsToOneStudentAndSurviveItsEncoding() {
        TrainerControl c = new TrainerControl();
        c.know("a");
        c.know("b");
        c.apply(command("p", ControlType.PAUSE, "b", Map.of()), s -> LossWeights.defaults());
        c.apply(
                command("t", ControlType.SET_TEMPERATURE, null, Map.of("temperature", 2.0)),
                s -> LossWeights.defaults());
        c.apply(command("d", ControlType.REALIGN, "a", Map.of()), s -> LossWeights.defaults());
        c.countPaused("b");

        TrainerControl restored = TrainerControl.fromBytes(c.toBytes());
        assertThat(restored.paused("a")).isFalse();
        assertThat(restored.paused("b")).isTrue();
        assertThat(restored.overridesFor("a").temperature).isEqualTo(2.0);
        assertThat(restored.overridesFor("b").temperature).isEqualTo(2.0);
        assertThat(restored.samplesPaused("b")).isEqualTo(1);
        assertThat(restored.driftEvents("a")).isEqualTo(1);
        assertThat(restored.alreadyApplied("p")).isTrue();
        assertThat(restored.students()).containsExactly("a", "b");

        restored.apply(
                command("r", ControlType.RESUME, null, Map.of()), s -> LossWeights.defaults());
        restored.apply(
                command("t0", ControlType.SET_TEMPERATURE, null, Map.of("temperature", 0.0)),
                s -> LossWeights.defaults());
        assertThat(restored.paused("b")).isFalse();
        assertThat(restored.overridesFor("b").temperature).isNaN();
    }

    @Test
    void shouldLeaveTeacherCommandsToTheTeacher() {
        TrainerControl c = new TrainerControl();
        var effect =
                c.apply(
                        command("tw", ControlType.SET_TEACHER_WEIGHTS, null, Map.of("x", 1.0)),
                        s -> LossWeights.defaults());
        assertThat(effect.applied()).isFalse();
        assertThat(c.alreadyApplied("tw")).isFalse();
    }
}
