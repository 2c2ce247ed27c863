package io.flinkdistill.pipeline.cli;

import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSpec;
import io.flinkdistill.training.ScoredSample;
import io.flinkdistill.training.StudentTrainer;
import io.flinkdistill.training.TrainerSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What distillation has to beat: the same student, trained on the same stream in the same order,
 * but on its gold-labelled samples only (cross-entropy, no teacher), one pass.
 */
final class BaselineTraining {
    private BaselineTraining() {}

    /** Trains the baseline and writes it to {@code out}; returns how many samples it saw. */
    static int train(
            TrainerSettings distillation,
            TeacherSpec primary,
            List<String> classNames,
            List<TsvRow> labelledStream,
            int maxTokens,
            Path out)
            throws IOException {
        LossWeights labelsOnly =
                new LossWeights(0, 0, 0, 1, distillation.lossWeights().temperature());
        TrainerSettings settings =
                new TrainerSettings(
                        distillation.student(),
                        labelsOnly,
                        distillation.batchSize(),
                        distillation.learningRate(),
                        distillation.weightDecay(),
                        distillation.warmupSteps(),
                        Math.max(1, labelledStream.size()),
                        distillation.metricsEverySteps(),
                        distillation.evalWindow(),
                        distillation.maxConsecutiveSkips(),
                        distillation.embeddingInit(),
                        false);
        int classes = classNames.size();
        int dim = distillation.student().teacherDim();
        try (OnnxTeacher tokenizer = OnnxTeacher.open(primary, null, maxTokens, 1);
                StudentTrainer trainer = new StudentTrainer("baseline", settings)) {
            for (TsvRow row : labelledStream) {
                ScoredSample s = new ScoredSample();
                s.student = "baseline";
                s.id = row.text();
                s.tokens = tokenizer.tokenize(row.text());
                s.label = classNames.indexOf(row.label());
                // No teacher: its terms have weight 0, these only fill the shapes.
                s.teacherLogits = new float[classes];
                s.teacherFeatures = new float[dim];
                trainer.accept(s);
            }
            trainer.flush();
            trainer.saveStudent(out);
            return (int) trainer.samplesTrained();
        }
    }
}
