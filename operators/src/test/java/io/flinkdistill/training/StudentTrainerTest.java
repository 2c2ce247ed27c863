package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.student.StudentConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StudentTrainerTest {

    @ParameterizedTest
    @EnumSource(StudentConfig.Family.class)
    void shouldLearnTheTeachersDecisionOnHeldOutSamples(StudentConfig.Family family) {
        try (StudentTrainer trainer =
                new StudentTrainer("student", TrainerFixtures.tinySettings(family))) {
            SyntheticSamples.generate(60, 99, true).forEach(trainer::accept);
            double before = trainer.evaluate().agreement();
            for (ScoredSample s : SyntheticSamples.generate(800, 1, false)) {
                trainer.accept(s);
            }
            EvalResult after = trainer.evaluate();
            assertThat(trainer.samplesTrained()).isEqualTo(800);
            assertThat(trainer.steps()).isEqualTo(100);
            assertThat(after.agreement()).isGreaterThan(before).isGreaterThan(0.9);
        }
    }

    @Test
    void shouldMatchLogitsWithMseWhenAskedToIgnoringTheTemperature() {
        List<ScoredSample> batch = SyntheticSamples.generate(8, 1, false);
        double mseAt1 = firstStepSoftTerm(io.flinkdistill.loss.SoftLoss.MSE, 1, batch);
        double mseAt10 = firstStepSoftTerm(io.flinkdistill.loss.SoftLoss.MSE, 10, batch);
        double klAt1 = firstStepSoftTerm(io.flinkdistill.loss.SoftLoss.KL, 1, batch);
        double klAt10 = firstStepSoftTerm(io.flinkdistill.loss.SoftLoss.KL, 10, batch);
        assertThat(mseAt10).isEqualTo(mseAt1);
        assertThat(klAt10).isNotCloseTo(klAt1, within(1e-3));
        assertThat(mseAt1).isNotCloseTo(klAt1, within(1e-3));
        // And a student trained on it learns the teacher's decision.
        TrainerSettings mse =
                TrainerFixtures.tinySettings().toBuilder()
                        .optSoftLoss(io.flinkdistill.loss.SoftLoss.MSE)
                        .build();
        try (StudentTrainer trainer = new StudentTrainer("student", mse)) {
            SyntheticSamples.generate(60, 99, true).forEach(trainer::accept);
            SyntheticSamples.generate(800, 1, false).forEach(trainer::accept);
            assertThat(trainer.evaluate().agreement()).isGreaterThan(0.9);
        }
    }

    @Test
    void shouldWeighLongSamplesMoreWhenAskedTo() {
        // Tokens 1 and 3 (the second cut to a limit of 2): weights n^1 -> 1 and 2, mean 1.
        assertThat(
                        DistillationObjective.rowWeights(
                                List.of(new int[] {5}, new int[] {5, 6, 7}), 2, 1.0))
                .containsExactly(2f / 3, 4f / 3);
        assertThat(
                        DistillationObjective.rowWeights(
                                List.of(new int[] {5}, new int[] {5, 6, 7}), 16, 0.0))
                .containsExactly(1f, 1f);
        // In a trainer: the same first batch gives another soft term once weighted.
        List<ScoredSample> batch = SyntheticSamples.generate(8, 1, false);
        assertThat(batch.stream().mapToInt(s -> s.tokens.length).distinct().count())
                .as("the batch has several lengths")
                .isGreaterThan(1);
        TrainerSettings weighted =
                TrainerFixtures.tinySettings().toBuilder().optLengthWeighting(1).build();
        double plain = firstStepSoftTerm(io.flinkdistill.loss.SoftLoss.KL, 3, batch);
        try (StudentTrainer trainer = new StudentTrainer("student", weighted)) {
            batch.forEach(trainer::accept);
            LossTotals totals = trainer.drainTotals();
            assertThat(totals.mean(totals.soft)).isNotCloseTo(plain, within(1e-4));
        }
    }

    private static double firstStepSoftTerm(
            io.flinkdistill.loss.SoftLoss loss, double temperature, List<ScoredSample> batch) {
        io.flinkdistill.loss.LossWeights d = TrainerFixtures.tinySettings().lossWeights();
        TrainerSettings settings =
                TrainerFixtures.tinySettings().toBuilder()
                        .optSoftLoss(loss)
                        .optLossWeights(
                                new io.flinkdistill.loss.LossWeights(
                                        d.soft(),
                                        d.feature(),
                                        d.attention(),
                                        d.hard(),
                                        temperature))
                        .build();
        try (StudentTrainer trainer = new StudentTrainer("student", settings)) {
            batch.forEach(trainer::accept);
            LossTotals totals = trainer.drainTotals();
            assertThat(totals.steps).isEqualTo(1);
            return totals.mean(totals.soft);
        }
    }

    @ParameterizedTest
    @EnumSource(StudentConfig.Family.class)
    void shouldRestoreBitIdenticalWeightsAndTakeAnIdenticalNextStep(StudentConfig.Family family) {
        TrainerSettings settings = TrainerFixtures.tinySettings(family);
        List<ScoredSample> first = SyntheticSamples.generate(83, 1, false);
        List<ScoredSample> next = SyntheticSamples.generate(8, 2, false);
        try (StudentTrainer original = new StudentTrainer("student", settings)) {
            first.forEach(original::accept);
            TrainerState state = original.snapshot();
            // 83 samples at batch 8: 10 steps and 3 samples still buffered.
            assertThat(state.pending()).hasSize(3);
            try (StudentTrainer restored =
                    StudentTrainer.restore(TrainerState.fromBytes(state.toBytes()), settings)) {
                assertIdentical(restored.snapshot().weights(), state.weights());
                assertThat(restored.samplesTrained()).isEqualTo(original.samplesTrained());
                assertThat(restored.steps()).isEqualTo(original.steps());
                assertThat(restored.snapshot().offsetsSeen())
                        .isEqualTo(state.offsetsSeen())
                        .isNotEmpty();
                assertThat(restored.snapshot().provenance()).isEqualTo(state.provenance());

                next.forEach(original::accept);
                next.forEach(restored::accept);
                assertThat(restored.steps()).isEqualTo(original.steps()).isEqualTo(11);
                assertIdentical(restored.snapshot().weights(), original.snapshot().weights());
                assertIdentical(
                        restored.snapshot().optimizerState(), original.snapshot().optimizerState());
            }
        }
    }

    @Test
    void shouldTrainOnVariantsButCountThemApartFromTheStreamsSamples() {
        List<ScoredSample> samples = SyntheticSamples.generate(40, 1, false);
        List<ScoredSample> variants = SyntheticSamples.generate(24, 2, false);
        variants.forEach(v -> v.augmented = true);
        long digest = 0;
        for (ScoredSample s : samples) {
            digest += io.flinkdistill.sample.SampleIds.hash(s.id);
        }
        try (StudentTrainer trainer =
                new StudentTrainer("student", TrainerFixtures.tinySettings())) {
            for (int i = 0; i < samples.size(); i++) {
                trainer.accept(samples.get(i));
                if (i < variants.size()) {
                    trainer.accept(variants.get(i));
                }
            }
            // 64 examples at batch 8: 8 steps; the stream brought 40 samples.
            assertThat(trainer.steps()).isEqualTo(8);
            assertThat(trainer.samplesTrained()).isEqualTo(40);
            assertThat(trainer.samplesAugmented()).isEqualTo(24);
            assertThat(trainer.schedule().position())
                    .as("the learning-rate cycle follows the stream")
                    .isEqualTo(40);
            TrainerState state = trainer.snapshot();
            assertThat(state.provenance().trained().idDigest()).isEqualTo(digest);
            assertThat(state.provenance().trained().augmented()).isEqualTo(24);
            try (StudentTrainer restored =
                    StudentTrainer.restore(
                            TrainerState.fromBytes(state.toBytes()),
                            TrainerFixtures.tinySettings())) {
                assertThat(restored.samplesAugmented()).isEqualTo(24);
            }
        }
    }

    @Test
    void shouldDrawBatchesFromAShufflePoolAndTrainEverySampleByTheEnd() {
        TrainerSettings settings =
                TrainerFixtures.tinySettings().toBuilder().optShufflePool(24).build();
        List<ScoredSample> samples = SyntheticSamples.generate(50, 1, false);
        try (StudentTrainer trainer = new StudentTrainer("student", settings)) {
            samples.subList(0, 40).forEach(trainer::accept);
            // Batches of 8 once 8 + 24 are held: 40 arrivals, 2 steps, 24 still held.
            assertThat(trainer.steps()).isEqualTo(2);
            assertThat(trainer.samplesTrained()).isEqualTo(16);
            TrainerState state = trainer.snapshot();
            assertThat(state.pending()).hasSize(24);
            // Not simply the first 16 arrivals.
            assertThat(state.pending())
                    .extracting(s -> s.id)
                    .isNotEqualTo(samples.subList(16, 40).stream().map(s -> s.id).toList());
            try (StudentTrainer restored =
                    StudentTrainer.restore(TrainerState.fromBytes(state.toBytes()), settings)) {
                samples.subList(40, 50).forEach(trainer::accept);
                samples.subList(40, 50).forEach(restored::accept);
                assertIdentical(restored.snapshot().weights(), trainer.snapshot().weights());
                restored.flushAll();
                trainer.flushAll();
                assertIdentical(restored.snapshot().weights(), trainer.snapshot().weights());
                assertThat(trainer.samplesTrained()).isEqualTo(50);
                assertThat(trainer.snapshot().pending()).isEmpty();
                long digest = 0;
                for (ScoredSample s : samples) {
                    digest += io.flinkdistill.sample.SampleIds.hash(s.id);
                }
                assertThat(trainer.snapshot().provenance().trained().idDigest()).isEqualTo(digest);
            }
        }
    }

    @Test
    void shouldRestartTheCosineCycleOnDriftOnlyWhenAskedTo() {
        for (boolean restart : new boolean[] {false, true}) {
            TrainerSettings settings =
                    TrainerFixtures.tinySettings().toBuilder()
                            .optCycleSamples(80)
                            .optRestartOnDrift(restart)
                            .build();
            try (StudentTrainer trainer = new StudentTrainer("student", settings)) {
                SyntheticSamples.generate(80, 1, false).forEach(trainer::accept);
                double decayed = trainer.schedule().lastLearningRate();
                trainer.schedule().reenterAlignment();
                SyntheticSamples.generate(8, 2, false).forEach(trainer::accept);
                double peak = settings.learningRate();
                if (restart) {
                    assertThat(trainer.schedule().position()).isEqualTo(8);
                    assertThat(trainer.schedule().lastLearningRate()).isCloseTo(peak, within(1e-9));
                } else {
                    assertThat(trainer.schedule().position()).isEqualTo(88);
                    assertThat(trainer.schedule().lastLearningRate()).isLessThan(0.2 * peak);
                }
                assertThat(decayed).isLessThan(0.2 * peak);
            }
        }
    }

    @Test
    void shouldNotAccumulateNativeArraysOverManySteps() {
        try (StudentTrainer trainer =
                new StudentTrainer("student", TrainerFixtures.tinySettings())) {
            SyntheticSamples.generate(40, 5, true).forEach(trainer::accept);
            List<ScoredSample> data = SyntheticSamples.generate(800, 3, false);
            // Warm up: the optimizer creates its moments on the first step.
            data.subList(0, 80).forEach(trainer::accept);
            trainer.evaluate();
            long baseline = liveArrays();
            for (int round = 0; round < 100; round++) {
                data.forEach(trainer::accept);
                if (round % 10 == 0) {
                    trainer.evaluate();
                    trainer.snapshot();
                }
            }
            assertThat(trainer.steps()).isGreaterThanOrEqualTo(10_000);
            assertThat(liveArrays()).isEqualTo(baseline);
        }
    }

    @Test
    void shouldSkipNonFiniteStepsThenRollBackAndHalveTheLearningRate() {
        try (StudentTrainer trainer =
                new StudentTrainer("student", TrainerFixtures.tinySettings())) {
            SyntheticSamples.generate(40, 1, false).forEach(trainer::accept);
            TrainerState good = trainer.snapshot();
            List<ScoredSample> poisoned = SyntheticSamples.generate(24, 2, false);
            poisoned.forEach(s -> s.teacherLogits[0] = Float.NaN);
            poisoned.forEach(trainer::accept);
            // Three bad batches in a row (the fixture's limit): skipped, then rolled back.
            assertThat(trainer.skippedSteps()).isEqualTo(3);
            assertThat(trainer.learningRateScale()).isEqualTo(0.5);
            assertIdentical(trainer.snapshot().weights(), good.weights());
            assertThat(trainer.samplesTrained()).isEqualTo(64);

            StepLosses next = null;
            for (ScoredSample s : SyntheticSamples.generate(8, 3, false)) {
                next = trainer.accept(s);
            }
            assertThat(next).isNotNull();
            assertThat(next.total()).isFinite();
            assertThat(trainer.skippedSteps()).isEqualTo(3);
        }
    }

    /** Arrays alive anywhere under the PyTorch engine's root manager. */
    private static long liveArrays() {
        try (NDManager probe = NDManager.newBaseManager("PyTorch")) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    private static void assertIdentical(
            Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).containsExactly(expected.get(name));
        }
    }
}
