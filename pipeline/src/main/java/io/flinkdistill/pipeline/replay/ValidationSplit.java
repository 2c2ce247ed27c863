package io.flinkdistill.pipeline.replay;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A validation set carved from a training file without leaking into what remains: whole sentences
 * are held out, and so is every training row whose text is a phrase of a held-out sentence or
 * contains one. SST-2's training file holds each sentence together with its sub-phrases, so a
 * random split of rows would put "a fine film" in training and "it is a fine film ." in validation.
 * Tuning and every "which default" comparison use this split; the test file is read once, for the
 * report.
 */
public final class ValidationSplit {
    /** Held-out rows must have at least this many words: sentences, not fragments. */
    public static final int MIN_WORDS = 8;

    /**
     * @param validation the held-out sentences (labelled)
     * @param training the rows that remain, in their order
     * @param related rows removed from training because they overlap a held-out sentence
     */
    public record Split(List<TsvRow> validation, List<TsvRow> training, int related) {}

    private ValidationSplit() {}

    /**
     * Holds out the first {@code size} labelled rows of at least {@link #MIN_WORDS} words (the rows
     * are expected shuffled), then drops every other row that is a contiguous phrase of one of them
     * or contains one.
     */
    public static Split carve(List<TsvRow> rows, int size) {
        List<TsvRow> validation = new ArrayList<>();
        Set<String> held = new HashSet<>();
        boolean[] out = new boolean[rows.size()];
        for (int i = 0; i < rows.size() && validation.size() < size; i++) {
            TsvRow r = rows.get(i);
            String[] words = words(r.text());
            if (r.label() == null
                    || words.length < MIN_WORDS
                    || !held.add(String.join(" ", words))) {
                continue;
            }
            validation.add(r);
            out[i] = true;
        }
        // Every phrase of every held-out sentence.
        Set<String> phrases = new HashSet<>();
        for (TsvRow r : validation) {
            spans(words(r.text()), 1, phrases::add);
        }
        List<TsvRow> training = new ArrayList<>();
        int related = 0;
        for (int i = 0; i < rows.size(); i++) {
            if (out[i]) {
                continue;
            }
            String[] words = words(rows.get(i).text());
            boolean overlaps = phrases.contains(String.join(" ", words));
            if (!overlaps && words.length >= MIN_WORDS) {
                // A longer row that contains a held-out sentence.
                boolean[] found = {false};
                spans(words, MIN_WORDS, s -> found[0] |= held.contains(s));
                overlaps = found[0];
            }
            if (overlaps) {
                related++;
            } else {
                training.add(rows.get(i));
            }
        }
        return new Split(validation, training, related);
    }

    private interface Sink {
        void accept(String span);
    }

    private static void spans(String[] words, int minLength, Sink sink) {
        for (int from = 0; from < words.length; from++) {
            StringBuilder b = new StringBuilder();
            for (int to = from; to < words.length; to++) {
                if (to > from) {
                    b.append(' ');
                }
                b.append(words[to]);
                if (to - from + 1 >= minLength) {
                    sink.accept(b.toString());
                }
            }
        }
    }

    static String[] words(String text) {
        String t = text.toLowerCase(Locale.ROOT).trim();
        return t.isEmpty() ? new String[0] : t.split("\\s+");
    }
}
