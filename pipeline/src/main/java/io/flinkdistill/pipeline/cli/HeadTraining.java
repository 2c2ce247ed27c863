package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.teacher.HeadFitter;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherOutput;
import io.flinkdistill.teacher.TeacherSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Fits a teacher's classification head on the embeddings of labelled rows. */
public final class HeadTraining {
    private static final int BATCH = 32;

    private HeadTraining() {}

    public static LinearHead fit(
            ShippedEncoder encoder,
            List<TsvRow> rows,
            List<String> classes,
            int maxTokens,
            int threads)
            throws IOException {
        return fit(TeacherSpec.shipped(encoder), rows, classes, maxTokens, threads);
    }

    public static LinearHead fit(
            TeacherSpec spec, List<TsvRow> rows, List<String> classes, int maxTokens, int threads)
            throws IOException {
        List<TsvRow> labelled =
                rows.stream()
                        .filter(r -> r.label() != null && classes.contains(r.label()))
                        .toList();
        if (labelled.size() < classes.size()) {
            throw new IllegalArgumentException(
                    "Fitting a head needs labelled rows of every class; found "
                            + labelled.size()
                            + " labelled rows");
        }
        float[][] x = new float[labelled.size()][];
        int[] y = new int[labelled.size()];
        try (OnnxTeacher teacher = OnnxTeacher.open(spec, null, maxTokens, threads)) {
            for (int start = 0; start < labelled.size(); start += BATCH) {
                List<TsvRow> chunk =
                        labelled.subList(start, Math.min(labelled.size(), start + BATCH));
                List<String> texts = new ArrayList<>(chunk.size());
                chunk.forEach(r -> texts.add(r.text()));
                List<TeacherOutput> out = teacher.infer(texts);
                for (int i = 0; i < chunk.size(); i++) {
                    x[start + i] = out.get(i).embedding();
                    y[start + i] = classes.indexOf(chunk.get(i).label());
                }
            }
        }
        return HeadFitter.defaults().fit(spec.name(), classes, x, y);
    }
}
