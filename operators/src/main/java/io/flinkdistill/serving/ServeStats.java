package io.flinkdistill.serving;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a running cascade did since the last report: queries, the share deferred, errors, and
 * latency p50/p99 per path (student alone, deferred to the teacher). Thread-safe; {@link #drain}
 * returns the figures and starts a new interval.
 */
public final class ServeStats {
    private final EnumMap<Cascade.Source, long[]> latencies = new EnumMap<>(Cascade.Source.class);
    private final EnumMap<Cascade.Source, Integer> counts = new EnumMap<>(Cascade.Source.class);
    private long version;
    private double threshold = Double.NaN;

    public synchronized void record(Cascade.Answer a) {
        long[] l = latencies.computeIfAbsent(a.source(), s -> new long[16]);
        int n = counts.getOrDefault(a.source(), 0);
        if (n == l.length) {
            l = Arrays.copyOf(l, n * 2);
            latencies.put(a.source(), l);
        }
        l[n] = a.nanos();
        counts.put(a.source(), n + 1);
        version = a.version();
        threshold = a.threshold();
    }

    /**
     * The interval's figures, flat (for a JSON record or a log line): {@code queries}, {@code
     * deferred_share}, {@code errors}, {@code student_p50_ms}, {@code student_p99_ms}, {@code
     * teacher_p50_ms}, {@code teacher_p99_ms}, {@code version}, {@code threshold}; then resets.
     */
    public synchronized Map<String, Double> drain() {
        int student = counts.getOrDefault(Cascade.Source.STUDENT, 0);
        int teacher = counts.getOrDefault(Cascade.Source.TEACHER, 0);
        int errors = counts.getOrDefault(Cascade.Source.ERROR, 0);
        int queries = student + teacher + errors;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("queries", (double) queries);
        m.put("deferred_share", queries == 0 ? 0 : (teacher + errors) / (double) queries);
        m.put("errors", (double) errors);
        m.put("student_p50_ms", percentile(Cascade.Source.STUDENT, student, 0.50));
        m.put("student_p99_ms", percentile(Cascade.Source.STUDENT, student, 0.99));
        m.put("teacher_p50_ms", percentile(Cascade.Source.TEACHER, teacher, 0.50));
        m.put("teacher_p99_ms", percentile(Cascade.Source.TEACHER, teacher, 0.99));
        m.put("version", (double) version);
        m.put("threshold", threshold);
        counts.clear();
        return m;
    }

    /** One log line of {@link #drain}'s figures. */
    public static String line(Map<String, Double> m) {
        return String.format(
                Locale.ROOT,
                "serve v%.0f: %.0f queries, %.1f %% deferred (threshold %.2f), %.0f errors;"
                        + " student p50 %.2f ms p99 %.2f ms; teacher path p50 %.2f ms p99 %.2f ms",
                m.get("version"),
                m.get("queries"),
                100 * m.get("deferred_share"),
                m.get("threshold"),
                m.get("errors"),
                m.get("student_p50_ms"),
                m.get("student_p99_ms"),
                m.get("teacher_p50_ms"),
                m.get("teacher_p99_ms"));
    }

    private double percentile(Cascade.Source s, int n, double q) {
        if (n == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(latencies.get(s), n);
        Arrays.sort(sorted);
        int i = (int) Math.min(n - 1, Math.ceil(q * n) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
