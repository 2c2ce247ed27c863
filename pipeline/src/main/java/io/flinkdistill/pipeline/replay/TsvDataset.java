package io.flinkdistill.pipeline.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads {@code text<TAB>label} files. The label column is optional on every row (live data is
 * mostly unlabelled), labels may be class names or numbers, any number of classes, and a header
 * line ({@code sentence/text <TAB> label}) is recognised and skipped. A malformed line (more than
 * two columns, or an empty text) is never guessed at: it is skipped and listed in {@link
 * #malformed()} with its line number and reason, for the caller to report.
 */
public final class TsvDataset {
    private static final Set<String> TEXT_HEADERS =
            Set.of("text", "sentence", "sentence1", "input");
    private static final Set<String> LABEL_HEADERS = Set.of("label", "labels", "class", "target");

    private final Path file;
    private final List<TsvRow> rows;
    private final List<Malformed> malformed;

    /** A line that was skipped, and why. */
    public record Malformed(int line, String reason) {}

    private TsvDataset(Path file, List<TsvRow> rows, List<Malformed> malformed) {
        this.file = file;
        this.rows = rows;
        this.malformed = List.copyOf(malformed);
    }

    public static TsvDataset read(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("Data file " + file + " does not exist or is not readable");
        }
        List<TsvRow> rows = new ArrayList<>();
        List<Malformed> bad = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (n == 1 && isHeader(line)) {
                    continue;
                }
                String problem = problem(line);
                if (problem != null) {
                    bad.add(new Malformed(n, problem));
                    continue;
                }
                TsvRow row = parse(line, n);
                if (row != null) {
                    rows.add(row);
                }
            }
        }
        return new TsvDataset(file, rows, bad);
    }

    /** Why a line cannot be used, or null when it can (blank lines are simply skipped). */
    static String problem(String line) {
        if (line.isBlank()) {
            return null;
        }
        String[] cols = line.split("\t", -1);
        if (cols.length > 2) {
            return cols.length + " columns (text<TAB>label expected; a tab inside the text?)";
        }
        if (cols[0].isBlank()) {
            return "empty text";
        }
        return null;
    }

    /** Lines skipped as malformed, in file order. */
    public List<Malformed> malformed() {
        return malformed;
    }

    /**
     * Prints one warning naming the malformed lines (the first ten) to stderr, if there are any.
     */
    public void warnAboutMalformedLines() {
        if (malformed.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (Malformed m : malformed.subList(0, Math.min(10, malformed.size()))) {
            sb.append(sb.length() == 0 ? "" : "; ")
                    .append("line ")
                    .append(m.line())
                    .append(": ")
                    .append(m.reason());
        }
        if (malformed.size() > 10) {
            sb.append("; and ").append(malformed.size() - 10).append(" more");
        }
        System.err.printf(
                "Warning: skipped %d malformed line%s of %s (not used): %s%n",
                malformed.size(), malformed.size() == 1 ? "" : "s", file, sb);
    }

    static boolean isHeader(String line) {
        String[] cols = line.split("\t", -1);
        String first = cols[0].trim().toLowerCase(Locale.ROOT);
        String last = cols.length > 1 ? cols[cols.length - 1].trim().toLowerCase(Locale.ROOT) : "";
        return TEXT_HEADERS.contains(first) || LABEL_HEADERS.contains(last);
    }

    static TsvRow parse(String line, int lineNo) {
        if (line.isBlank()) {
            return null;
        }
        int tab = line.lastIndexOf('\t');
        if (tab < 0) {
            return new TsvRow(lineNo, line.strip(), null);
        }
        String text = line.substring(0, tab).strip();
        String label = line.substring(tab + 1).strip();
        return new TsvRow(lineNo, text, label.isEmpty() ? null : label);
    }

    public Path file() {
        return file;
    }

    public List<TsvRow> rows() {
        return rows;
    }

    /** Distinct labels in order of first appearance; sorted when all are numbers. */
    public List<String> classes() {
        Set<String> seen = new LinkedHashSet<>();
        for (TsvRow r : rows) {
            if (r.label() != null) {
                seen.add(r.label());
            }
        }
        List<String> out = new ArrayList<>(seen);
        if (out.stream().allMatch(s -> s.matches("-?\\d+"))) {
            out.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        } else {
            out.sort(String::compareTo);
        }
        return out;
    }

    /** Stable id of a row: the file's base name and the line number. */
    public String idOf(TsvRow row) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + ":" + row.line();
    }
}
