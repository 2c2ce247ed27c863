package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flinkdistill.training.ProgressiveSchedule.Phase;
import org.junit.jupiter.api.Test;

class ProgressiveScheduleTest {
    private final ProgressiveSchedule schedule = new ProgressiveSchedule(1000, 2, 3.0);

    @Test
    void shouldPassThroughThePhasesOfTheCycle() {
        assertThat(schedule.phase(0)).isEqualTo(Phase.WARMUP);
        assertThat(schedule.phase(199)).isEqualTo(Phase.WARMUP);
        assertThat(schedule.phase(200)).isEqualTo(Phase.ALIGNMENT);
        assertThat(schedule.phase(699)).isEqualTo(Phase.ALIGNMENT);
        assertThat(schedule.phase(700)).isEqualTo(Phase.REFINEMENT);
        assertThat(schedule.phase(1000)).isEqualTo(Phase.CONTINUOUS);
        assertThat(schedule.alignmentStart()).isEqualTo(200);
    }

    @Test
    void shouldTrainOnlyTheHeadsInWarmUpAndReleaseLayersTopDown() {
        assertThat(schedule.trains("head.w", 0)).isTrue();
        assertThat(schedule.trains("feature.proj.w", 0)).isTrue();
        assertThat(schedule.trains("layer1.ffn.in.w", 0)).isFalse();
        assertThat(schedule.trains("embed.tokens", 0)).isFalse();
        // First third of alignment: the top layer and final norm join.
        assertThat(schedule.trains("layer1.attn.q.w", 250)).isTrue();
        assertThat(schedule.trains("final.ln.g", 250)).isTrue();
        assertThat(schedule.trains("layer0.attn.q.w", 250)).isFalse();
        // Then the first layer, then the embeddings.
        assertThat(schedule.trains("layer0.attn.q.w", 400)).isTrue();
        assertThat(schedule.trains("embed.tokens", 400)).isFalse();
        assertThat(schedule.trains("embed.tokens", 600)).isTrue();
        assertThat(schedule.trains("embed.pos", 5000)).isTrue();
    }

    @Test
    void shouldAnnealTheTemperatureToOneDuringRefinement() {
        assertThat(schedule.temperatureAt(0)).isEqualTo(3.0);
        assertThat(schedule.temperatureAt(699)).isEqualTo(3.0);
        assertThat(schedule.temperatureAt(850)).isCloseTo(2.0, within(1e-9));
        assertThat(schedule.temperatureAt(1000)).isEqualTo(1.0);
        assertThat(schedule.temperatureAt(9000)).isEqualTo(1.0);
    }

    @Test
    void shouldKeepFrozenWeightsAndGoBackToAlignmentOnDrift() {
        TrainerSettings base = TrainerFixtures.tinySettings();
        TrainerSettings progressive =
                base.toBuilder().optCycleSamples(400).optProgressive(true).build();
        try (StudentTrainer trainer = new StudentTrainer("student", progressive)) {
            float[] embeddingBefore = trainer.snapshot().weights().get("embed.tokens");
            float[] headBefore = trainer.snapshot().weights().get("head.w");
            SyntheticSamples.generate(64, 1, false).forEach(trainer::accept);
            assertThat(trainer.schedule().phase()).isEqualTo(Phase.WARMUP);
            assertThat(trainer.snapshot().weights().get("embed.tokens"))
                    .containsExactly(embeddingBefore);
            assertThat(trainer.snapshot().weights().get("head.w")).isNotEqualTo(headBefore);

            SyntheticSamples.generate(400, 2, false).forEach(trainer::accept);
            assertThat(trainer.schedule().phase()).isEqualTo(Phase.CONTINUOUS);
            assertThat(trainer.temperature()).isEqualTo(1.0);
            assertThat(trainer.snapshot().weights().get("embed.tokens"))
                    .isNotEqualTo(embeddingBefore);

            trainer.schedule().reenterAlignment();
            assertThat(trainer.schedule().phase()).isEqualTo(Phase.ALIGNMENT);
            assertThat(trainer.schedule().position()).isEqualTo(80);
            assertThat(trainer.samplesTrained()).isEqualTo(464);
        }
    }
}
