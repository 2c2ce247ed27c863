package io.flinkdistill.pipeline.cli;

import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSpec;
import io.flinkdistill.training.StudentTrainer;
import io.flinkdistill.training.TrainerSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What distillation has to beat: the same student without a teacher (cross-entropy on gold labels,
 * from the same teacher-projected embeddings). {@link #trainToConvergence} is the fair baseline:
 * every gold label the run used, as many epochs as its validation accuracy keeps improving (at
 * least as many steps as the distilled student took), its learning rate chosen on the validation
 * split from a small grid. {@link #train} is the old one-pass baseline on the stream's labels.
 */
final class BaselineTraining {
    private BaselineTraining() {}

    /**
     * How the fair baseline was trained.
     *
     * @param learningRate the grid value chosen on validation
     * @param epochs epochs run with that rate; {@code bestEpoch} the one kept
     * @param steps optimizer steps up to the epoch kept
     * @param validationAccuracy the kept student's validation accuracy
     * @param validationByRate best validation accuracy reached with each grid value
     */
    record Result(
            double learningRate,
            int epochs,
            int bestEpoch,
            long steps,
            int samples,
            double validationAccuracy,
            java.util.Map<Double, Double> validationByRate) {}

    /** Epochs without a better validation accuracy before training stops. */
    static final int PATIENCE = 2;

    /**
     * Trains one baseline per learning rate of {@code grid} on {@code gold} (shuffled each epoch
     * with {@code seed}), each until its validation accuracy has not improved for {@link #PATIENCE}
     * epochs and it has taken at least {@code minSteps} steps, keeps the best epoch of each, and
     * writes the student of the rate with the best validation accuracy to {@code out}.
     */
    static Result trainToConvergence(
            TrainerSettings distillation,
            TeacherSpec primary,
            List<String> classNames,
            List<TsvRow> gold,
            List<TsvRow> validation,
            long minSteps,
            List<Double> grid,
            long seed,
            int maxTokens,
            Path out)
            throws IOException {
        int dim = distillation.student().teacherDim();
        int batch = distillation.batchSize();
        int stepsPerEpoch = Math.max(1, (gold.size() + batch - 1) / batch);
        int minEpochs = (int) Math.max(1, (minSteps + stepsPerEpoch - 1) / stepsPerEpoch);
        // The cosine cycle spans twice the minimum, so the rate is still useful when early
        // stopping decides.
        int maxEpochs = Math.max(4, 2 * minEpochs);
        java.util.Map<Double, Double> byRate = new java.util.LinkedHashMap<>();
        Result best = null;
        Path candidate = out.resolveSibling(out.getFileName() + ".candidate");
        Path epochFile = out.resolveSibling(out.getFileName() + ".epoch");
        try (OnnxTeacher tokenizer = OnnxTeacher.open(primary, null, maxTokens, 1)) {
            List<ScoredSample> samples = new java.util.ArrayList<>();
            for (TsvRow row : gold) {
                samples.add(sample(tokenizer, row, classNames, dim));
            }
            List<int[]> valTokens = new java.util.ArrayList<>();
            int[] valGold = new int[validation.size()];
            for (int i = 0; i < validation.size(); i++) {
                valTokens.add(tokenizer.tokenize(validation.get(i).text()));
                valGold[i] = classNames.indexOf(validation.get(i).label());
            }
            for (double rate : grid) {
                TrainerSettings settings =
                        settings(distillation, rate, (long) maxEpochs * samples.size());
                double bestAcc = -1;
                int bestEpoch = 0;
                long bestSteps = 0;
                int epoch = 0;
                java.util.Random shuffle = new java.util.Random(seed);
                try (StudentTrainer trainer = new StudentTrainer("baseline", settings)) {
                    while (epoch < maxEpochs) {
                        epoch++;
                        List<ScoredSample> order = new java.util.ArrayList<>(samples);
                        java.util.Collections.shuffle(order, shuffle);
                        for (ScoredSample s : order) {
                            trainer.accept(s);
                        }
                        trainer.flush();
                        trainer.saveStudent(epochFile);
                        double acc = TestSetEvaluation.accuracy(epochFile, valTokens, valGold);
                        System.out.printf(
                                java.util.Locale.ROOT,
                                "Baseline, learning rate %.0e: epoch %d (%d steps), validation accuracy %.3f%n",
                                rate,
                                epoch,
                                trainer.steps(),
                                acc);
                        if (acc > bestAcc) {
                            bestAcc = acc;
                            bestEpoch = epoch;
                            bestSteps = trainer.steps();
                            java.nio.file.Files.move(
                                    epochFile,
                                    candidate,
                                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                        if (epoch >= minEpochs && epoch - bestEpoch >= PATIENCE) {
                            break;
                        }
                    }
                }
                byRate.put(rate, bestAcc);
                if (best == null || bestAcc > best.validationAccuracy()) {
                    best =
                            new Result(
                                    rate,
                                    epoch,
                                    bestEpoch,
                                    bestSteps,
                                    samples.size(),
                                    bestAcc,
                                    byRate);
                    java.nio.file.Files.move(
                            candidate, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } finally {
            java.nio.file.Files.deleteIfExists(candidate);
            java.nio.file.Files.deleteIfExists(epochFile);
        }
        return best;
    }

    private static TrainerSettings settings(
            TrainerSettings distillation, double learningRate, long cycleSamples) {
        return distillation.toBuilder()
                .optLossWeights(
                        new LossWeights(0, 0, 0, 1, distillation.lossWeights().temperature()))
                .optLearningRate(learningRate)
                .optCycleSamples(Math.max(1, cycleSamples))
                .optProgressive(false)
                .optProvenance(io.flinkdistill.provenance.Provenance.EMPTY)
                .optAttentionLengthScale(0)
                .build();
    }

    /**
     * Trains the one-pass baseline and writes it to {@code out}; returns how many samples it saw.
     */
    static int train(
            TrainerSettings distillation,
            TeacherSpec primary,
            List<String> classNames,
            List<TsvRow> labelledStream,
            int maxTokens,
            Path out)
            throws IOException {
        TrainerSettings settings =
                settings(distillation, distillation.learningRate(), labelledStream.size());
        int dim = distillation.student().teacherDim();
        try (OnnxTeacher tokenizer = OnnxTeacher.open(primary, null, maxTokens, 1);
                StudentTrainer trainer = new StudentTrainer("baseline", settings)) {
            for (TsvRow row : labelledStream) {
                trainer.accept(sample(tokenizer, row, classNames, dim));
            }
            trainer.flush();
            trainer.saveStudent(out);
            return (int) trainer.samplesTrained();
        }
    }

    /** A gold-labelled sample; the teacher's terms have weight 0, its fields only fill shapes. */
    private static ScoredSample sample(
            OnnxTeacher tokenizer, TsvRow row, List<String> classNames, int teacherDim) {
        ScoredSample s = new ScoredSample();
        s.student = "baseline";
        s.id = row.text();
        s.tokens = tokenizer.tokenize(row.text());
        s.label = classNames.indexOf(row.label());
        s.teacherLogits = new float[classNames.size()];
        s.teacherFeatures = new float[teacherDim];
        return s;
    }
}
