package io.flinkdistill.pipeline.cli;

import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.serving.HotSwapModel;
import java.util.List;

/** What {@code predict} and {@code serve} print and how they take a published version. */
final class PredictionLine {
    private PredictionLine() {}

    /** {@code label<TAB>c0=p0 c1=p1 ...}. */
    static String format(List<String> classes, float[] probabilities) {
        int best = io.flinkdistill.loss.Logits.argmax(probabilities);
        StringBuilder sb = new StringBuilder(classes.get(best)).append('\t');
        for (int c = 0; c < probabilities.length; c++) {
            sb.append(c == 0 ? "" : " ")
                    .append(classes.get(c))
                    .append('=')
                    .append(String.format(java.util.Locale.ROOT, "%.4f", probabilities[c]));
        }
        return sb.toString();
    }

    /** Serves the announced version from now on, or says on stderr why not (serving goes on). */
    static void offer(HotSwapModel served, StudentModelPublished e) {
        try {
            served.offer(e);
        } catch (Exception ex) {
            System.err.println("Not serving " + e.getUri() + ": " + ex.getMessage());
        }
    }
}
