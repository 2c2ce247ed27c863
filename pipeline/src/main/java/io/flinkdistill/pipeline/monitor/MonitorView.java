package io.flinkdistill.pipeline.monitor;

import io.flinkdistill.schemas.DistillMetrics;
import java.util.Locale;

/** One line of {@code distill monitor} per metrics record, for a terminal or a log. */
public final class MonitorView {
    private MonitorView() {}

    public static String header() {
        return String.format(
                Locale.ROOT,
                "%-10s %7s %9s %-11s %6s %6s %6s %6s | %-7s %-7s %-7s %-7s | %-14s %5s | %7s %7s | %s",
                "student",
                "step",
                "trained",
                "phase",
                "agree",
                "acc",
                "KL",
                "ECE",
                "L.soft",
                "L.feat",
                "L.attn",
                "L.hard",
                "w soft/feat/att",
                "tau",
                "train/s",
                "p50 ms",
                "notes");
    }

    public static String line(DistillMetrics m) {
        StringBuilder notes = new StringBuilder();
        if (m.getPaused()) {
            notes.append("PAUSED (").append(m.getSamplesPaused()).append(" samples) ");
        }
        if (m.getEventTimeLagMs() != null) {
            notes.append(String.format(Locale.ROOT, "lag %.1f s ", m.getEventTimeLagMs() / 1000.0));
        }
        if (m.getConsumerLagRecords() != null) {
            notes.append("behind ").append(m.getConsumerLagRecords()).append(" records ");
        }
        if (m.getSamplesSkipped() > 0) {
            notes.append("skipped ").append(m.getSamplesSkipped()).append(' ');
        }
        if (m.getSamplesAugmented() > 0) {
            notes.append("variants ").append(m.getSamplesAugmented()).append(' ');
        }
        if (m.getDriftEvents() > 0) {
            notes.append("drift x").append(m.getDriftEvents()).append(' ');
        }
        if (m.getDeadLetters() > 0) {
            notes.append("dead letters ").append(m.getDeadLetters()).append(' ');
        }
        for (var b : m.getBenchmarks()) {
            notes.append(String.format(Locale.ROOT, "%s %.3f", b.getName(), b.getAccuracy()));
            if (b.getFrozenAccuracy() != null) {
                notes.append(String.format(Locale.ROOT, " (frozen %.3f)", b.getFrozenAccuracy()));
            }
            notes.append(String.format(Locale.ROOT, " teacher %.3f ", b.getTeacherAccuracy()));
        }
        if (m.getBenchmarks().isEmpty() && m.getBenchmarkAccuracy() != null) {
            notes.append(String.format(Locale.ROOT, "bench %.3f ", m.getBenchmarkAccuracy()));
        }
        if (!m.getLossPolicy().isEmpty()) {
            notes.append("policy ").append(m.getLossPolicy());
        }
        return String.format(
                Locale.ROOT,
                "%-10s %7d %9d %-11s %6.3f %6s %6.3f %6.3f | %7.4f %7.4f %7.4f %7.4f | %4.2f/%4.2f/%4.2f %5.2f | %7.0f %7.2f | %s",
                m.getStudent(),
                m.getStep(),
                m.getSamplesTrained(),
                m.getPhase(),
                m.getEvalAgreement(),
                m.getEvalAccuracy() == null
                        ? "n/a"
                        : String.format(Locale.ROOT, "%.3f", m.getEvalAccuracy()),
                m.getEvalKl(),
                m.getEvalEce(),
                m.getLossSoft(),
                m.getLossFeature(),
                m.getLossAttention(),
                m.getLossHard(),
                m.getWeightSoft(),
                m.getWeightFeature(),
                m.getWeightAttention(),
                m.getTemperature(),
                m.getSamplesPerSecond(),
                m.getStudentLatencyP50Ms(),
                notes.toString().trim());
    }
}
