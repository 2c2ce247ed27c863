package io.flinkdistill.training;

import io.flinkdistill.student.StudentConfig;

final class TrainerFixtures {
    private TrainerFixtures() {}

    /**
     * A tiny student that trains in milliseconds (with dropout: restores must replay it exactly).
     */
    static TrainerSettings tinySettings() {
        return tinySettings(StudentConfig.Family.TRANSFORMER);
    }

    /** The tiny student as the given family (a cnn one without the attention term). */
    static TrainerSettings tinySettings(StudentConfig.Family family) {
        StudentConfig transformer =
                new StudentConfig(
                        SyntheticSamples.VOCAB,
                        8,
                        16,
                        1,
                        2,
                        32,
                        16,
                        SyntheticSamples.CLASSES,
                        SyntheticSamples.TEACHER_DIM,
                        0.1f,
                        7);
        StudentConfig config = transformer.withFamily(family, 3);
        io.flinkdistill.loss.LossWeights d = io.flinkdistill.loss.LossWeights.defaults();
        return TrainerSettings.builder(config)
                .optLossWeights(
                        config.hasAttention()
                                ? d
                                : new io.flinkdistill.loss.LossWeights(
                                        d.soft(), d.feature(), 0, d.hard(), d.temperature()))
                .optBatchSize(8)
                .optLearningRate(3e-3)
                .optWarmupSteps(2)
                .optCycleSamples(10_000)
                .optMetricsEverySteps(5)
                .optEvalWindow(64)
                .optMaxConsecutiveSkips(3)
                .optProvenance(
                        io.flinkdistill.testing.ShippedTeacher.withClasses(
                                SyntheticSamples.CLASSES))
                .build();
    }
}
