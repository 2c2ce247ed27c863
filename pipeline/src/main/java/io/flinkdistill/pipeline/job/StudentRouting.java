package io.flinkdistill.pipeline.job;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which student each sample trains, and over how many trainer subtasks the students spread. A
 * sample goes to the first route whose pattern matches its source (TrainingSample {@code source},
 * else the topic it was read from; {@code *} matches any run of characters), else to the default
 * student. Each student keeps its own state, metrics, published versions and control commands; the
 * trainer is keyed by student, so students spread over subtasks by key group and a savepoint
 * restored at another parallelism moves them with their state.
 *
 * @param routes student name → source patterns, in the order given
 * @param trainerParallelism trainer subtasks (1: every student in one)
 */
public record StudentRouting(Map<String, List<String>> routes, int trainerParallelism)
        implements Serializable {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    public StudentRouting {
        routes = routes == null ? Map.of() : new LinkedHashMap<>(routes);
        if (trainerParallelism < 1) {
            throw new IllegalArgumentException(
                    "trainer parallelism must be >= 1, got " + trainerParallelism);
        }
        Map<String, String> owner = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> r : routes.entrySet()) {
            if (!NAME.matcher(r.getKey()).matches()) {
                throw new IllegalArgumentException(
                        "student name '"
                                + r.getKey()
                                + "' must be letters, digits, '.', '_' or '-'");
            }
            if (r.getValue().isEmpty()) {
                throw new IllegalArgumentException("student " + r.getKey() + " has no source");
            }
            for (String pattern : r.getValue()) {
                if (pattern.isBlank()) {
                    throw new IllegalArgumentException("an empty source for " + r.getKey());
                }
                String before = owner.putIfAbsent(pattern, r.getKey());
                if (before != null) {
                    throw new IllegalArgumentException(
                            "source '"
                                    + pattern
                                    + "' is routed to "
                                    + before
                                    + " and "
                                    + r.getKey());
                }
            }
        }
    }

    /** Every sample to the default student, one trainer subtask. */
    public static StudentRouting none() {
        return new StudentRouting(Map.of(), 1);
    }

    public boolean active() {
        return !routes.isEmpty();
    }

    /** The student of a sample from {@code source}; {@code fallback} when no route matches. */
    public String route(String source, String fallback) {
        if (source != null) {
            for (Map.Entry<String, List<String>> r : routes.entrySet()) {
                for (String pattern : r.getValue()) {
                    if (matches(pattern, source)) {
                        return r.getKey();
                    }
                }
            }
        }
        return fallback;
    }

    /** The routed students and the default one. */
    public SortedSet<String> students(String fallback) {
        SortedSet<String> all = new TreeSet<>(routes.keySet());
        all.add(fallback);
        return all;
    }

    /** A glob match where {@code *} stands for any run of characters. */
    static boolean matches(String pattern, String source) {
        if (pattern.indexOf('*') < 0) {
            return pattern.equals(source);
        }
        String[] parts = pattern.split("\\*", -1);
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (i == 0) {
                if (!source.startsWith(part)) {
                    return false;
                }
                at = part.length();
            } else if (i == parts.length - 1) {
                return source.length() - part.length() >= at && source.endsWith(part);
            } else {
                int found = source.indexOf(part, at);
                if (found < 0) {
                    return false;
                }
                at = found + part.length();
            }
        }
        return true;
    }
}
