package io.flinkdistill.pipeline.cli;

import ai.djl.ndarray.NDManager;
import io.flinkdistill.loss.Logits;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.student.StudentModel;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherOutput;
import io.flinkdistill.training.StudentFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Teacher and student accuracy, and their agreement, on a labelled test file; optionally the
 * accuracy of a baseline student too.
 */
record TestSetEvaluation(
        int size,
        double teacherAccuracy,
        double studentAccuracy,
        double agreement,
        long teacherParams,
        long studentParams,
        double baselineAccuracy) {

    /**
     * @param baselineFile a second student to score on the same sentences, or null
     */
    static TestSetEvaluation run(
            ShippedEncoder encoder,
            LinearHead head,
            Path studentFile,
            Path baselineFile,
            List<TsvRow> rows,
            int maxTokens,
            int threads)
            throws IOException {
        List<TsvRow> labelled =
                rows.stream()
                        .filter(r -> r.label() != null && head.classIndex(r.label()) >= 0)
                        .toList();
        List<int[]> tokens = new ArrayList<>();
        int[] teacherPred = new int[labelled.size()];
        int[] gold = new int[labelled.size()];
        long teacherParams;
        try (OnnxTeacher teacher = OnnxTeacher.open(encoder, head, maxTokens, threads)) {
            teacherParams = teacher.parameterCount();
            for (int start = 0; start < labelled.size(); start += 32) {
                List<String> texts = new ArrayList<>();
                for (int i = start; i < Math.min(labelled.size(), start + 32); i++) {
                    texts.add(labelled.get(i).text());
                }
                List<TeacherOutput> out = teacher.infer(texts);
                for (int i = 0; i < out.size(); i++) {
                    teacherPred[start + i] = out.get(i).predictedClass();
                    gold[start + i] = head.classIndex(labelled.get(start + i).label());
                    tokens.add(out.get(i).tokenIds());
                }
            }
        }
        Predictions student = predict(studentFile, tokens);
        int teacherCorrect = 0;
        int studentCorrect = 0;
        int agree = 0;
        for (int i = 0; i < gold.length; i++) {
            teacherCorrect += teacherPred[i] == gold[i] ? 1 : 0;
            studentCorrect += student.classes[i] == gold[i] ? 1 : 0;
            agree += student.classes[i] == teacherPred[i] ? 1 : 0;
        }
        double baseline = Double.NaN;
        if (baselineFile != null) {
            int[] b = predict(baselineFile, tokens).classes;
            int correct = 0;
            for (int i = 0; i < gold.length; i++) {
                correct += b[i] == gold[i] ? 1 : 0;
            }
            baseline = correct / (double) Math.max(1, gold.length);
        }
        int n = Math.max(1, labelled.size());
        return new TestSetEvaluation(
                labelled.size(),
                teacherCorrect / (double) n,
                studentCorrect / (double) n,
                agree / (double) n,
                teacherParams,
                student.params,
                baseline);
    }

    private record Predictions(int[] classes, long params) {}

    private static Predictions predict(Path studentFile, List<int[]> tokens) throws IOException {
        StudentFile.Loaded saved = StudentFile.read(studentFile);
        int[] classes = new int[tokens.size()];
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                StudentModel student =
                        StudentModel.fromWeights(saved.config(), saved.weights(), manager)) {
            for (int start = 0; start < tokens.size(); start += 32) {
                float[][] p =
                        student.predictProbabilities(
                                manager,
                                tokens.subList(start, Math.min(tokens.size(), start + 32)));
                for (int i = 0; i < p.length; i++) {
                    classes[start + i] = Logits.argmax(p[i]);
                }
            }
            return new Predictions(classes, student.parameterCount());
        }
    }
}
