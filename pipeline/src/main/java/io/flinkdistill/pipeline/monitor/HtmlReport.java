package io.flinkdistill.pipeline.monitor;

import io.flinkdistill.schemas.DistillMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A self-contained HTML page of a job's metrics over time: per student, a summary of the latest
 * record and inline SVG plots (loss components, agreement and accuracy, loss weights, throughput,
 * student latency) against samples trained. No script, no stylesheet or font from elsewhere: the
 * page opens offline.
 */
public final class HtmlReport {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 260;
    private static final int LEFT = 60;
    private static final int RIGHT = 150;
    private static final int TOP = 30;
    private static final int BOTTOM = 40;
    private static final String[] COLOURS = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"
    };

    private HtmlReport() {}

    /** One plotted line: a name and a value per record (null: no point). */
    record Series(String name, Function<DistillMetrics, Double> value) {}

    /** Renders the report into {@code file} (written beside it first, then moved into place). */
    public static void write(java.nio.file.Path file, String title, List<DistillMetrics> records)
            throws java.io.IOException {
        java.nio.file.Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        java.nio.file.Files.writeString(
                tmp, render(title, records), java.nio.charset.StandardCharsets.UTF_8);
        java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    public static String render(String title, List<DistillMetrics> records) {
        Map<String, List<DistillMetrics>> byStudent = new LinkedHashMap<>();
        for (DistillMetrics m : records) {
            byStudent.computeIfAbsent(m.getStudent(), k -> new ArrayList<>()).add(m);
        }
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>")
                .append(escape(title))
                .append("</title><style>")
                .append("body{font-family:sans-serif;margin:24px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0 16px}")
                .append(
                        "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right;font-size:12px}")
                .append("th{background:#f3f3f3}svg.chart{display:block;margin:8px 0 20px}")
                .append(".axis{stroke:#444}.grid{stroke:#e5e5e5}text{font-size:11px}")
                .append("</style></head><body>\n<h1>")
                .append(escape(title))
                .append("</h1>\n<p>")
                .append(records.size())
                .append(" metrics records from distill.metrics.</p>\n");
        if (records.isEmpty()) {
            h.append("<p>No metrics records yet.</p>\n");
        }
        for (Map.Entry<String, List<DistillMetrics>> e : byStudent.entrySet()) {
            List<DistillMetrics> rs = e.getValue();
            rs.sort(java.util.Comparator.comparingLong(DistillMetrics::getSamplesTrained));
            h.append("<section class=\"student\"><h2>Student ")
                    .append(escape(e.getKey()))
                    .append("</h2>\n");
            summary(h, rs.get(rs.size() - 1), rs);
            chart(
                    h,
                    "Loss components (unweighted)",
                    rs,
                    List.of(
                            new Series("total (weighted)", m -> m.getLossTotal()),
                            new Series("soft KL", m -> m.getLossSoft()),
                            new Series("feature MSE", m -> m.getLossFeature()),
                            new Series("attention", m -> m.getLossAttention()),
                            new Series("hard CE", m -> m.getLossHard())));
            chart(
                    h,
                    "Agreement with the teacher and accuracy",
                    rs,
                    List.of(
                            new Series("eval agreement", m -> m.getEvalAgreement()),
                            new Series("eval accuracy", m -> m.getEvalAccuracy()),
                            new Series(
                                    "benchmark accuracy",
                                    m ->
                                            m.getBenchmarks().isEmpty()
                                                    ? m.getBenchmarkAccuracy()
                                                    : null),
                            new Series("ECE", m -> m.getEvalEce())));
            benchmarkCharts(h, rs);
            if (rs.stream().anyMatch(m -> m.getInputShift() != null)) {
                chart(
                        h,
                        "Input shift (label-free drift score; about 1 without drift)",
                        rs,
                        List.of(new Series("input shift", m -> m.getInputShift())));
            }
            if (rs.stream().anyMatch(m -> m.getEventTimeLagMs() != null)) {
                chart(
                        h,
                        "Event-time lag (seconds behind the newest trained sample's event time)",
                        rs,
                        List.of(
                                new Series(
                                        "lag",
                                        m ->
                                                m.getEventTimeLagMs() == null
                                                        ? null
                                                        : m.getEventTimeLagMs() / 1000.0)));
            }
            if (rs.stream().anyMatch(m -> m.getConsumerLagRecords() != null)) {
                chart(
                        h,
                        "Consumer lag (records of the samples topics not yet read, as of the last"
                                + " checkpoint)",
                        rs,
                        List.of(
                                new Series(
                                        "records behind",
                                        m ->
                                                m.getConsumerLagRecords() == null
                                                        ? null
                                                        : m.getConsumerLagRecords()
                                                                .doubleValue())));
            }
            if (rs.stream().anyMatch(m -> m.getSamplesSkipped() > 0)) {
                chart(
                        h,
                        "Teacher budget: samples trained and samples skipped so far",
                        rs,
                        List.of(
                                new Series("trained", m -> (double) m.getSamplesTrained()),
                                new Series("skipped", m -> (double) m.getSamplesSkipped())));
            }
            chart(
                    h,
                    "Loss weights",
                    rs,
                    List.of(
                            new Series("soft (alpha)", m -> m.getWeightSoft()),
                            new Series("feature (beta)", m -> m.getWeightFeature()),
                            new Series("attention (gamma)", m -> m.getWeightAttention())));
            chart(
                    h,
                    "Throughput (samples per second)",
                    rs,
                    List.of(
                            new Series("trained", m -> m.getSamplesPerSecond()),
                            new Series("teacher-scored", m -> m.getTeacherSamplesPerSecond())));
            chart(
                    h,
                    "Student latency at batch 1 (ms)",
                    rs,
                    List.of(
                            new Series("p50", m -> m.getStudentLatencyP50Ms()),
                            new Series("p99", m -> m.getStudentLatencyP99Ms())));
            h.append("</section>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void summary(StringBuilder h, DistillMetrics m, List<DistillMetrics> rs) {
        h.append("<table class=\"summary\"><tr><th>step</th><th>samples trained</th>")
                .append("<th>agreement</th><th>accuracy</th><th>KL</th><th>ECE</th>")
                .append("<th>weights soft/feature/attention</th><th>temperature</th>")
                .append("<th>phase</th><th>policy</th><th>drift events</th><th>paused</th>")
                .append("<th>dead letters</th></tr>")
                .append("<tr><td>")
                .append(m.getStep())
                .append("</td><td>")
                .append(m.getSamplesTrained())
                .append("</td><td>")
                .append(fmt(m.getEvalAgreement()))
                .append("</td><td>")
                .append(m.getEvalAccuracy() == null ? "n/a" : fmt(m.getEvalAccuracy()))
                .append("</td><td>")
                .append(fmt(m.getEvalKl()))
                .append("</td><td>")
                .append(fmt(m.getEvalEce()))
                .append("</td><td>")
                .append(fmt(m.getWeightSoft()))
                .append(" / ")
                .append(fmt(m.getWeightFeature()))
                .append(" / ")
                .append(fmt(m.getWeightAttention()))
                .append("</td><td>")
                .append(fmt(m.getTemperature()))
                .append("</td><td>")
                .append(escape(m.getPhase()))
                .append("</td><td>")
                .append(escape(m.getLossPolicy()))
                .append("</td><td>")
                .append(m.getDriftEvents())
                .append("</td><td>")
                .append(m.getPaused() ? "yes (" + m.getSamplesPaused() + " samples)" : "no")
                .append("</td><td>")
                .append(m.getDeadLetters())
                .append("</td></tr></table>\n");
    }

    /**
     * One chart per named benchmark set: the continuous student, its frozen copy and the teacher,
     * with a vertical line where the copy was frozen (the domain shift, in a drift scenario).
     */
    private static void benchmarkCharts(StringBuilder h, List<DistillMetrics> rs) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        Double frozenAt = null;
        for (DistillMetrics m : rs) {
            for (var b : m.getBenchmarks()) {
                names.add(b.getName());
                if (frozenAt == null && b.getFrozenAccuracy() != null) {
                    frozenAt = (double) m.getSamplesTrained();
                }
            }
        }
        for (String name : names) {
            chart(
                    h,
                    "Benchmark " + name + ": accuracy",
                    rs,
                    List.of(
                            new Series("student", m -> onBenchmark(m, name, "accuracy")),
                            new Series("frozen student", m -> onBenchmark(m, name, "frozen")),
                            new Series("teacher", m -> onBenchmark(m, name, "teacher")),
                            new Series("agreement", m -> onBenchmark(m, name, "agreement"))),
                    frozenAt,
                    "frozen");
        }
    }

    private static Double onBenchmark(DistillMetrics m, String name, String what) {
        for (var b : m.getBenchmarks()) {
            if (b.getName().equals(name)) {
                return switch (what) {
                    case "accuracy" -> b.getAccuracy();
                    case "frozen" -> b.getFrozenAccuracy();
                    case "teacher" -> b.getTeacherAccuracy();
                    default -> b.getAgreement();
                };
            }
        }
        return null;
    }

    private static void chart(
            StringBuilder h, String title, List<DistillMetrics> rs, List<Series> series) {
        chart(h, title, rs, series, null, null);
    }

    /** Values that differ by a few points read better on an axis that does not start at 0. */
    private static final double ZOOM_BELOW = 0.5;

    /** A line chart over samples trained; {@code markX}, if not null, gets a labelled line. */
    private static void chart(
            StringBuilder h,
            String title,
            List<DistillMetrics> rs,
            List<Series> series,
            Double markX,
            String markLabel) {
        double xMin = rs.get(0).getSamplesTrained();
        double xMax = rs.get(rs.size() - 1).getSamplesTrained();
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (DistillMetrics m : rs) {
                Double v = s.value().apply(m);
                if (v != null && Double.isFinite(v)) {
                    yMin = Math.min(yMin, v);
                    yMax = Math.max(yMax, v);
                }
            }
        }
        if (!Double.isFinite(yMin)) {
            yMin = 0;
            yMax = 1;
        }
        // Accuracy-like curves (a mark is drawn) zoom in on their range; the others start at 0.
        yMin =
                markLabel != null && yMin > ZOOM_BELOW
                        ? Math.floor(yMin * 20 - 1) / 20
                        : Math.min(0, yMin);
        if (yMax - yMin < 1e-9) {
            yMax = yMin + 1;
        }
        if (xMax - xMin < 1e-9) {
            xMax = xMin + 1;
        }
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        h.append("<svg class=\"chart\" width=\"")
                .append(WIDTH)
                .append("\" height=\"")
                .append(HEIGHT)
                .append("\" viewBox=\"0 0 ")
                .append(WIDTH)
                .append(' ')
                .append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"")
                .append(escape(title))
                .append("\"><text x=\"")
                .append(LEFT)
                .append("\" y=\"18\" font-weight=\"bold\" font-size=\"13\">")
                .append(escape(title))
                .append("</text>");
        for (int i = 0; i <= 4; i++) {
            double f = i / 4.0;
            double y = TOP + plotH * (1 - f);
            double x = LEFT + plotW * f;
            h.append(
                    String.format(
                            Locale.ROOT,
                            "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
                                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                            LEFT,
                            y,
                            LEFT + plotW,
                            y,
                            LEFT - 6,
                            y + 4,
                            tick(yMin + (yMax - yMin) * f),
                            x,
                            TOP + plotH + 16,
                            tick(xMin + (xMax - xMin) * f)));
        }
        h.append(
                String.format(
                        Locale.ROOT,
                        "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                                + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                                + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">samples trained</text>",
                        LEFT,
                        TOP + plotH,
                        LEFT + plotW,
                        TOP + plotH,
                        LEFT,
                        TOP,
                        LEFT,
                        TOP + plotH,
                        LEFT + plotW / 2,
                        HEIGHT - 6));
        if (markX != null && markX >= xMin && markX <= xMax) {
            double x = LEFT + plotW * (markX - xMin) / (xMax - xMin);
            h.append(
                    String.format(
                            Locale.ROOT,
                            "<line class=\"mark\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
                                    + " stroke=\"#888\" stroke-dasharray=\"4 3\"/>"
                                    + "<text x=\"%.1f\" y=\"%d\">%s</text>",
                            x,
                            TOP,
                            x,
                            TOP + plotH,
                            x + 3,
                            TOP + 10,
                            escape(markLabel)));
        }
        int legend = 0;
        for (int s = 0; s < series.size(); s++) {
            Series ser = series.get(s);
            StringBuilder points = new StringBuilder();
            int n = 0;
            for (DistillMetrics m : rs) {
                Double v = ser.value().apply(m);
                if (v == null || !Double.isFinite(v)) {
                    continue;
                }
                double x = LEFT + plotW * (m.getSamplesTrained() - xMin) / (xMax - xMin);
                double y = TOP + plotH * (1 - (v - yMin) / (yMax - yMin));
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                n++;
            }
            if (n == 0) {
                continue;
            }
            String colour = COLOURS[s % COLOURS.length];
            h.append("<polyline class=\"series\" fill=\"none\" stroke-width=\"1.6\" stroke=\"")
                    .append(colour)
                    .append("\" points=\"")
                    .append(points.toString().trim())
                    .append("\"><title>")
                    .append(escape(ser.name()))
                    .append("</title></polyline>");
            int ly = TOP + 6 + legend * 16;
            h.append(
                    String.format(
                            Locale.ROOT,
                            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>"
                                    + "<text x=\"%d\" y=\"%d\">%s</text>",
                            LEFT + plotW + 12,
                            ly,
                            LEFT + plotW + 30,
                            ly,
                            colour,
                            LEFT + plotW + 36,
                            ly + 4,
                            escape(ser.name())));
            legend++;
        }
        h.append("</svg>\n");
    }

    private static String tick(double v) {
        double a = Math.abs(v);
        if (a >= 10_000) {
            return String.format(Locale.ROOT, "%.0fk", v / 1000);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, a >= 1 ? "%.2f" : "%.3f", v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String escape(CharSequence s) {
        return s.toString()
                .replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
