package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.sample.ScoredSample;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replay keeps a uniform, bounded sample of the stream, draws from it deterministically, survives a
 * checkpoint, and lets the trainer take more steps per teacher call without counting replayed
 * samples as trained.
 */
class ReplayBufferTest {
    @Test
    void shouldKeepAUniformSampleOfEverythingOffered() {
        ReplayBuffer b = new ReplayBuffer(200, 3);
        List<ScoredSample> first = SyntheticSamples.generate(1000, 1, false);
        List<ScoredSample> second = SyntheticSamples.generate(1000, 2, false);
        first.forEach(b::offer);
        second.forEach(b::offer);
        assertThat(b.size()).isEqualTo(200);
        assertThat(b.offered()).isEqualTo(2000);
        // After a change of "domain" half of what is kept is still the old one (binomial: 100 +-
        // 7).
        long old = b.draw(200, 0).stream().filter(s -> s.id.startsWith("t1-")).count();
        assertThat(old).isBetween(75L, 125L);
        // Draws are without replacement and depend only on the seed, the content and the step.
        List<ScoredSample> d = b.draw(50, 7);
        assertThat(new HashSet<>(d.stream().map(s -> s.id).toList())).hasSize(50);
        assertThat(ids(d)).isEqualTo(ids(b.draw(50, 7))).isNotEqualTo(ids(b.draw(50, 8)));
        ReplayBuffer restored = ReplayBuffer.fromBytes(b.toBytes(), 200, 3);
        assertThat(ids(restored.draw(50, 7))).isEqualTo(ids(d));
        for (int i = 0; i < 300; i++) {
            ScoredSample s = SyntheticSamples.generate(1, 100 + i, false).get(0);
            b.offer(s);
            restored.offer(s);
        }
        assertThat(ids(restored.draw(200, 1))).isEqualTo(ids(b.draw(200, 1)));
    }

    @Test
    void shouldReplayWithoutCountingReplayedSamplesAndRestoreToTheSameNextStep() {
        TrainerSettings settings =
                TrainerFixtures.tinySettings().toBuilder().optReplay(1.0, 64).build();
        List<ScoredSample> first = SyntheticSamples.generate(83, 1, false);
        List<ScoredSample> next = SyntheticSamples.generate(16, 2, false);
        try (StudentTrainer original = new StudentTrainer("student", settings)) {
            first.forEach(original::accept);
            assertThat(original.samplesTrained()).isEqualTo(80);
            assertThat(original.steps()).isEqualTo(10);
            // The first batch finds the buffer empty, each later one draws as many as it brings.
            assertThat(original.rehearsal().replayed()).isEqualTo(72);
            assertThat(original.rehearsal().buffer().size()).isEqualTo(64);
            TrainerState state = original.snapshot();
            byte[] replay = original.rehearsal().buffer().toBytes();
            try (StudentTrainer restored =
                    StudentTrainer.restore(TrainerState.fromBytes(state.toBytes()), settings)) {
                restored.rehearsal().restore(replay);
                next.forEach(original::accept);
                next.forEach(restored::accept);
                assertThat(restored.steps()).isEqualTo(original.steps()).isEqualTo(12);
                assertThat(restored.snapshot().weightsFingerprint())
                        .isEqualTo(original.snapshot().weightsFingerprint());
            }
            // Without the buffer the next steps differ: the replayed samples are part of them.
            try (StudentTrainer amnesiac =
                    StudentTrainer.restore(TrainerState.fromBytes(state.toBytes()), settings)) {
                next.forEach(amnesiac::accept);
                assertThat(amnesiac.snapshot().weightsFingerprint())
                        .isNotEqualTo(original.snapshot().weightsFingerprint());
            }
        }
    }

    private static List<String> ids(List<ScoredSample> samples) {
        return samples.stream().map(s -> s.id).toList();
    }
}
