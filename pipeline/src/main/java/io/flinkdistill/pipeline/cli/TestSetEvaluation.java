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

/** Teacher and student accuracy, and their agreement, on a labelled test file. */
record TestSetEvaluation(
        int size,
        double teacherAccuracy,
        double studentAccuracy,
        double agreement,
        long teacherParams,
        long studentParams) {

    static TestSetEvaluation run(
            ShippedEncoder encoder,
            LinearHead head,
            Path studentFile,
            List<TsvRow> rows,
            int maxTokens,
            int threads)
            throws IOException {
        List<TsvRow> labelled =
                rows.stream().filter(r -> head.classIndex(nullToEmpty(r.label())) >= 0).toList();
        List<int[]> tokens = new ArrayList<>();
        int[] teacherPred = new int[labelled.size()];
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
                    tokens.add(out.get(i).tokenIds());
                }
            }
        }
        StudentFile.Loaded saved = StudentFile.read(studentFile);
        int teacherCorrect = 0;
        int studentCorrect = 0;
        int agree = 0;
        long studentParams;
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                StudentModel student =
                        StudentModel.fromWeights(saved.config(), saved.weights(), manager)) {
            studentParams = student.parameterCount();
            List<float[]> probs = new ArrayList<>();
            for (int start = 0; start < tokens.size(); start += 32) {
                float[][] p =
                        student.predictProbabilities(
                                manager,
                                tokens.subList(start, Math.min(tokens.size(), start + 32)));
                probs.addAll(List.of(p));
            }
            for (int i = 0; i < labelled.size(); i++) {
                int gold = head.classIndex(labelled.get(i).label());
                int s = Logits.argmax(probs.get(i));
                teacherCorrect += teacherPred[i] == gold ? 1 : 0;
                studentCorrect += s == gold ? 1 : 0;
                agree += s == teacherPred[i] ? 1 : 0;
            }
        }
        int n = Math.max(1, labelled.size());
        return new TestSetEvaluation(
                labelled.size(),
                teacherCorrect / (double) n,
                studentCorrect / (double) n,
                agree / (double) n,
                teacherParams,
                studentParams);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
