package io.flinkdistill.pipeline.cli;

import io.flinkdistill.schemas.DistillMetrics;

/** One console line per metrics record: what {@code demo} and {@code run} print as they train. */
final class ProgressLine {
    private ProgressLine() {}

    static void print(DistillMetrics m, long jobStart) {
        print(m, jobStart, false);
    }

    /**
     * @param named prefix the line with the student's name (a job with several students)
     */
    static void print(DistillMetrics m, long jobStart, boolean named) {
        if (named) {
            System.out.print(m.getStudent() + " ");
        }
        String acc =
                m.getEvalAccuracy() == null ? "  n/a" : String.format("%.3f", m.getEvalAccuracy());
        StringBuilder sets = new StringBuilder();
        for (var b : m.getBenchmarks()) {
            sets.append(
                    String.format(
                            java.util.Locale.ROOT, " | %s %.3f", b.getName(), b.getAccuracy()));
            if (b.getFrozenAccuracy() != null) {
                sets.append(
                        String.format(
                                java.util.Locale.ROOT, " (frozen %.3f)", b.getFrozenAccuracy()));
            }
        }
        System.out.printf(
                "[%5.0fs] step %5d | trained %6d%s | %5.0f samples/s | loss %.3f (soft %.3f, feature %.3f, attention %.3f, hard %.3f) | weights %.2f/%.2f/%.2f | lr %.2e %s | eval agreement %.3f, accuracy %s (window %d)%s%n",
                (System.nanoTime() - jobStart) / 1e9,
                m.getStep(),
                m.getSamplesTrained(),
                (m.getSamplesSkipped() > 0 ? ", skipped " + m.getSamplesSkipped() : "")
                        + (m.getSamplesAugmented() > 0
                                ? " (+" + m.getSamplesAugmented() + " variants)"
                                : ""),
                m.getSamplesPerSecond(),
                m.getLossTotal(),
                m.getLossSoft(),
                m.getLossFeature(),
                m.getLossAttention(),
                m.getLossHard(),
                m.getWeightSoft(),
                m.getWeightFeature(),
                m.getWeightAttention(),
                m.getLearningRate(),
                m.getPhase(),
                m.getEvalAgreement(),
                acc,
                m.getEvalWindow(),
                sets);
    }
}
