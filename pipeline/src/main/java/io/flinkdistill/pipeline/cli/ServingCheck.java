package io.flinkdistill.pipeline.cli;

import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.publish.ModelStore;
import io.flinkdistill.serving.OnnxStudent;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSpec;
import java.util.List;

/**
 * The demo's last step: the final student exported unpruned and as it would be published (fp32 and
 * INT8, FFN pruned as the trainer decided on its eval window), measured on the test file with ONNX
 * Runtime and timed against the teacher at batch 1 after the same warm-up.
 */
final class ServingCheck {
    private ServingCheck() {}

    /**
     * The final student as it serves: exported, measured on the test file, timed against the
     * teacher.
     */
    record Result(
            String newestPublished,
            long versions,
            double pruneThreshold,
            double unprunedAccuracy,
            double fp32Accuracy,
            double int8Accuracy,
            long int8Bytes,
            double int8Agreement,
            double speedupB1) {}

    static Result measure(
            JobOptions job,
            TeacherSpec primary,
            LinearHead head,
            io.flinkdistill.training.StudentFile.Loaded saved,
            List<TsvRow> test,
            JobSettings settings)
            throws Exception {
        List<String> classes = settings.teacher().classes();
        List<TsvRow> labelled =
                test.stream()
                        .filter(r -> r.label() != null && classes.contains(r.label()))
                        .toList();
        List<String> texts = labelled.stream().map(TsvRow::text).toList();
        double threshold = saved.provenance().pruneThreshold();
        // Unpruned fp32, then fp32 and INT8 as published.
        StudentOnnxExport.Precision[] precisions = {
            StudentOnnxExport.Precision.FP32,
            StudentOnnxExport.Precision.FP32,
            StudentOnnxExport.Precision.INT8
        };
        double[] thresholds = {0, threshold, threshold};
        double[] accuracy = new double[3];
        List<List<Integer>> predictions = new java.util.ArrayList<>();
        double studentP50 = 0;
        long int8Bytes = 0;
        for (int p = 0; p < precisions.length; p++) {
            byte[] model =
                    StudentExporter.export(
                            saved.config(),
                            saved.weights(),
                            saved.provenance(),
                            precisions[p],
                            thresholds[p]);
            try (OnnxStudent student = OnnxStudent.open(model, 1)) {
                List<Integer> predicted = Measure.argmax(student.predict(texts));
                predictions.add(predicted);
                int correct = 0;
                for (int i = 0; i < texts.size(); i++) {
                    correct +=
                            classes.get(predicted.get(i)).equals(labelled.get(i).label()) ? 1 : 0;
                }
                accuracy[p] = correct / (double) Math.max(1, texts.size());
                if (p == 1) {
                    studentP50 = Measure.p50Millis(student::predict, texts, 200);
                } else if (p == 2) {
                    int8Bytes = model.length;
                }
            }
        }
        double teacherP50;
        try (OnnxTeacher teacher = OnnxTeacher.open(primary, head, job.maxTokens, 1)) {
            // The same warm-up as the student had: every test sentence once, in batches of 32.
            for (int start = 0; start < texts.size(); start += 32) {
                teacher.infer(texts.subList(start, Math.min(texts.size(), start + 32)));
            }
            teacherP50 = Measure.p50Millis(teacher::infer, texts, 200);
        }
        ModelStore store = new ModelStore(job.publish.modelStore);
        long versions = store.latestVersion(job.student);
        String newest =
                versions == 0
                        ? null
                        : new org.apache.flink.core.fs.Path(
                                        new org.apache.flink.core.fs.Path(job.publish.modelStore),
                                        "student-" + job.student + "-v" + versions + ".onnx")
                                .toUri()
                                .toString();
        int agree = 0;
        for (int i = 0; i < texts.size(); i++) {
            agree += predictions.get(1).get(i).equals(predictions.get(2).get(i)) ? 1 : 0;
        }
        return new Result(
                newest,
                versions,
                threshold,
                accuracy[0],
                accuracy[1],
                accuracy[2],
                int8Bytes,
                agree / (double) Math.max(1, texts.size()),
                teacherP50 / studentP50);
    }
}
