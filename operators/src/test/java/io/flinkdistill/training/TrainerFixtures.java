package io.flinkdistill.training;

import io.flinkdistill.student.StudentConfig;

final class TrainerFixtures {
    private TrainerFixtures() {}

    /**
     * A tiny student that trains in milliseconds (with dropout: restores must replay it exactly).
     */
    static TrainerSettings tinySettings() {
        StudentConfig config =
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
        return TrainerSettings.builder(config)
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
