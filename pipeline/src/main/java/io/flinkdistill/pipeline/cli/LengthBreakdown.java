package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Teacher and student on a test file by input length in words: where the student's disagreements
 * with the teacher are (short phrases or long sentences that need composition).
 *
 * @param buckets one per length range, shortest first; empty ranges are kept with size 0
 */
record LengthBreakdown(List<Bucket> buckets) {

    /** Upper bounds (inclusive) in words of every range but the last, which is open. */
    static final int[] UPPER_WORDS = {10, 20};

    /** One range: its label (e.g. {@code 11-20}), size, accuracies and agreement. */
    record Bucket(
            String words,
            int size,
            double teacherAccuracy,
            double studentAccuracy,
            double agreement) {}

    /**
     * @param texts the sentences, in order
     * @param gold their gold classes
     * @param teacher the teacher's classes
     * @param student the student's classes
     */
    static LengthBreakdown of(List<String> texts, int[] gold, int[] teacher, int[] student) {
        int ranges = UPPER_WORDS.length + 1;
        int[] size = new int[ranges];
        int[] teacherCorrect = new int[ranges];
        int[] studentCorrect = new int[ranges];
        int[] agree = new int[ranges];
        for (int i = 0; i < texts.size(); i++) {
            int r = range(words(texts.get(i)));
            size[r]++;
            teacherCorrect[r] += teacher[i] == gold[i] ? 1 : 0;
            studentCorrect[r] += student[i] == gold[i] ? 1 : 0;
            agree[r] += student[i] == teacher[i] ? 1 : 0;
        }
        List<Bucket> buckets = new ArrayList<>(ranges);
        for (int r = 0; r < ranges; r++) {
            double n = Math.max(1, size[r]);
            buckets.add(
                    new Bucket(
                            label(r),
                            size[r],
                            size[r] == 0 ? Double.NaN : teacherCorrect[r] / n,
                            size[r] == 0 ? Double.NaN : studentCorrect[r] / n,
                            size[r] == 0 ? Double.NaN : agree[r] / n));
        }
        return new LengthBreakdown(buckets);
    }

    /** Words of a text: runs of non-whitespace. */
    static int words(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    private static int range(int words) {
        for (int r = 0; r < UPPER_WORDS.length; r++) {
            if (words <= UPPER_WORDS[r]) {
                return r;
            }
        }
        return UPPER_WORDS.length;
    }

    /** The ranges' labels, shortest first: {@code 1-10}, {@code 11-20}, {@code 21+}. */
    static List<String> labels() {
        List<String> l = new ArrayList<>();
        for (int r = 0; r <= UPPER_WORDS.length; r++) {
            l.add(label(r));
        }
        return l;
    }

    private static String label(int r) {
        int from = r == 0 ? 1 : UPPER_WORDS[r - 1] + 1;
        return r == UPPER_WORDS.length ? from + "+" : from + "-" + UPPER_WORDS[r];
    }

    /** One object per range, named by its label, into {@code o}. */
    void writeTo(ObjectNode o) {
        for (Bucket b : buckets) {
            ObjectNode n = o.putObject(b.words());
            n.put("size", b.size());
            if (b.size() > 0) {
                n.put("teacher_accuracy", DemoReport.round(b.teacherAccuracy()));
                n.put("student_accuracy", DemoReport.round(b.studentAccuracy()));
                n.put("agreement", DemoReport.round(b.agreement()));
            }
        }
    }
}
