package io.flinkdistill.pipeline.cli;

import ai.djl.ndarray.NDManager;
import io.flinkdistill.loss.Logits;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.student.StudentModel;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherFusion;
import io.flinkdistill.teacher.TeacherOutput;
import io.flinkdistill.teacher.TeacherSpec;
import io.flinkdistill.training.StudentFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Teacher and student accuracy, and their agreement, on a labelled test file; with several
 * teachers, each one's accuracy and that of their fusion; optionally the accuracy of a baseline
 * student too.
 *
 * @param teacherAccuracy the (fused) teacher's accuracy
 * @param teacherAccuracies each teacher's own accuracy, by name, in order
 * @param teacherParams parameters of the primary teacher
 * @param allTeacherParams parameters of all teachers together
 * @param byLength the same figures by input length (null when not computed)
 */
record TestSetEvaluation(
        int size,
        double teacherAccuracy,
        Map<String, Double> teacherAccuracies,
        double studentAccuracy,
        double agreement,
        long teacherParams,
        long allTeacherParams,
        long studentParams,
        double baselineAccuracy,
        LengthBreakdown byLength) {

    /**
     * The file's name, its size and the teacher's, student's and baseline's accuracy and the
     * agreement, rounded, into {@code o}.
     */
    void writeTo(com.fasterxml.jackson.databind.node.ObjectNode o, Path file) {
        o.put("file", file.getFileName().toString());
        o.put("size", size);
        o.put("teacher_accuracy", DemoReport.round(teacherAccuracy));
        o.put("student_accuracy", DemoReport.round(studentAccuracy));
        o.put("baseline_accuracy", DemoReport.round(baselineAccuracy));
        o.put("agreement", DemoReport.round(agreement));
        if (byLength != null) {
            byLength.writeTo(o.putObject("by_length"));
        }
    }

    /**
     * @param heads one per teacher (null for one with its own classifier)
     * @param fusionWeights how the teachers' distributions are fused (one per teacher)
     * @param baselineFile a second student to score on the same sentences, or null
     */
    static TestSetEvaluation run(
            List<TeacherSpec> specs,
            List<LinearHead> heads,
            List<String> classes,
            double[] fusionWeights,
            Path studentFile,
            Path baselineFile,
            List<TsvRow> rows,
            int maxTokens,
            int threads)
            throws IOException {
        List<TsvRow> labelled =
                rows.stream()
                        .filter(r -> r.label() != null && classes.contains(r.label()))
                        .toList();
        int n = labelled.size();
        int[] gold = new int[n];
        for (int i = 0; i < n; i++) {
            gold[i] = classes.indexOf(labelled.get(i).label());
        }
        List<int[]> tokens = new ArrayList<>();
        float[][][] logits = new float[n][specs.size()][];
        long teacherParams = 0;
        long allParams = 0;
        for (int t = 0; t < specs.size(); t++) {
            try (OnnxTeacher teacher =
                    OnnxTeacher.open(specs.get(t), heads.get(t), maxTokens, threads)) {
                allParams += teacher.parameterCount();
                if (t == 0) {
                    teacherParams = teacher.parameterCount();
                }
                for (int start = 0; start < n; start += 32) {
                    List<String> texts = new ArrayList<>();
                    for (int i = start; i < Math.min(n, start + 32); i++) {
                        texts.add(labelled.get(i).text());
                    }
                    List<TeacherOutput> out = teacher.infer(texts);
                    for (int i = 0; i < out.size(); i++) {
                        logits[start + i][t] = out.get(i).logits();
                        if (t == 0) {
                            tokens.add(out.get(i).tokenIds());
                        }
                    }
                }
            }
        }
        TeacherFusion fusion = new TeacherFusion(fusionWeights, false, 1);
        int[] teacherPred = new int[n];
        int[] correctPer = new int[specs.size()];
        for (int i = 0; i < n; i++) {
            teacherPred[i] = Logits.argmax(fusion.fuse(logits[i]));
            for (int t = 0; t < specs.size(); t++) {
                correctPer[t] += Logits.argmax(logits[i][t]) == gold[i] ? 1 : 0;
            }
        }
        Predictions student = predict(studentFile, tokens);
        int teacherCorrect = 0;
        int studentCorrect = 0;
        int agree = 0;
        for (int i = 0; i < n; i++) {
            teacherCorrect += teacherPred[i] == gold[i] ? 1 : 0;
            studentCorrect += student.classes[i] == gold[i] ? 1 : 0;
            agree += student.classes[i] == teacherPred[i] ? 1 : 0;
        }
        double baseline = Double.NaN;
        int d = Math.max(1, n);
        if (baselineFile != null) {
            int[] b = predict(baselineFile, tokens).classes;
            int correct = 0;
            for (int i = 0; i < n; i++) {
                correct += b[i] == gold[i] ? 1 : 0;
            }
            baseline = correct / (double) d;
        }
        Map<String, Double> per = new LinkedHashMap<>();
        for (int t = 0; t < specs.size(); t++) {
            per.put(specs.get(t).name(), correctPer[t] / (double) d);
        }
        return new TestSetEvaluation(
                n,
                teacherCorrect / (double) d,
                per,
                studentCorrect / (double) d,
                agree / (double) d,
                teacherParams,
                allParams,
                student.params,
                baseline,
                LengthBreakdown.of(
                        labelled.stream().map(TsvRow::text).toList(),
                        gold,
                        teacherPred,
                        student.classes));
    }

    private record Predictions(int[] classes, long params) {}

    /** A saved student's accuracy on tokenized, labelled texts. */
    static double accuracy(Path studentFile, List<int[]> tokens, int[] gold) throws IOException {
        int[] predicted = predict(studentFile, tokens).classes;
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            correct += predicted[i] == gold[i] ? 1 : 0;
        }
        return correct / (double) Math.max(1, gold.length);
    }

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
