package io.flinkdistill.training;

import io.flinkdistill.loss.LossWeights;
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
        return new TrainerSettings(
                config,
                LossWeights.defaults(),
                8,
                3e-3,
                0.01,
                2,
                10_000,
                5,
                64,
                3,
                TrainerSettings.RANDOM_EMBEDDINGS,
                false);
    }
}
