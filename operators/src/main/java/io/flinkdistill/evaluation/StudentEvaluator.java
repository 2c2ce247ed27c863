package io.flinkdistill.evaluation;

import ai.djl.ndarray.NDManager;
import io.flinkdistill.loss.Logits;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.student.StudentModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures a student against the teacher (agreement, KL) and the gold labels (accuracy) on a set of
 * scored samples. Runs the student in inference mode, in chunks, freeing all arrays it creates.
 */
public final class StudentEvaluator {
    private static final int CHUNK = 64;

    private StudentEvaluator() {}

    public static EvalResult evaluate(
            StudentModel student, NDManager parent, List<ScoredSample> samples) {
        int agree = 0;
        int labelled = 0;
        int correct = 0;
        double kl = 0;
        Calibration calibration = new Calibration(10);
        for (int start = 0; start < samples.size(); start += CHUNK) {
            List<ScoredSample> chunk =
                    samples.subList(start, Math.min(samples.size(), start + CHUNK));
            List<int[]> tokens = new ArrayList<>(chunk.size());
            chunk.forEach(s -> tokens.add(s.tokens));
            float[][] probs = student.predictProbabilities(parent, tokens);
            for (int i = 0; i < chunk.size(); i++) {
                ScoredSample s = chunk.get(i);
                int predicted = Logits.argmax(probs[i]);
                calibration.add(probs[i][predicted], predicted == s.teacherClass());
                if (predicted == s.teacherClass()) {
                    agree++;
                }
                if (s.labelled()) {
                    labelled++;
                    if (predicted == s.label) {
                        correct++;
                    }
                }
                kl += klFromLogits(s.teacherLogits, probs[i]);
            }
        }
        int n = samples.size();
        return new EvalResult(
                n,
                n == 0 ? Double.NaN : agree / (double) n,
                labelled == 0 ? Double.NaN : correct / (double) labelled,
                labelled,
                n == 0 ? Double.NaN : kl / n,
                calibration.error());
    }

    /** The student's class for each tokenized sentence (a fixed benchmark set). */
    public static int[] predictions(StudentModel student, NDManager parent, List<int[]> tokens) {
        int[] out = new int[tokens.size()];
        for (int start = 0; start < tokens.size(); start += CHUNK) {
            List<int[]> chunk = tokens.subList(start, Math.min(tokens.size(), start + CHUNK));
            float[][] probs = student.predictProbabilities(parent, chunk);
            for (int i = 0; i < chunk.size(); i++) {
                out[start + i] = Logits.argmax(probs[i]);
            }
        }
        return out;
    }

    /** Share of positions where two class arrays are equal (NaN when empty). */
    public static double matching(int[] a, int[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return a.length == 0 ? Double.NaN : same / (double) a.length;
    }

    /**
     * Times single-sample forward passes over up to {@code probes} samples: {p50, p99} in
     * milliseconds ({0, 0} without samples).
     */
    public static double[] latencyMillis(
            StudentModel student, NDManager parent, List<ScoredSample> samples, int probes) {
        int n = Math.min(probes, samples.size());
        if (n == 0) {
            return new double[] {0, 0};
        }
        double[] millis = new double[n];
        for (int i = 0; i < n; i++) {
            long started = System.nanoTime();
            student.predictProbabilities(parent, List.of(samples.get(i).tokens));
            millis[i] = (System.nanoTime() - started) / 1e6;
        }
        java.util.Arrays.sort(millis);
        return new double[] {
            millis[(int) Math.floor(0.5 * (n - 1))], millis[(int) Math.ceil(0.99 * (n - 1))]
        };
    }

    /**
     * Accuracy on the gold labels of the window of each teacher (by its votes, in the job's order)
     * and of the fused teacher (last entry); empty when no sample is labelled.
     */
    public static double[] teacherAccuracy(List<ScoredSample> samples) {
        int teachers = 0;
        for (ScoredSample s : samples) {
            teachers = Math.max(teachers, s.teacherVotes.length);
        }
        int[] correct = new int[teachers + 1];
        int labelled = 0;
        for (ScoredSample s : samples) {
            if (!s.labelled() || s.teacherVotes.length != teachers) {
                continue;
            }
            labelled++;
            for (int t = 0; t < teachers; t++) {
                correct[t] += s.teacherVotes[t] == s.label ? 1 : 0;
            }
            correct[teachers] += s.teacherClass() == s.label ? 1 : 0;
        }
        if (labelled == 0) {
            return new double[0];
        }
        double[] out = new double[teachers + 1];
        for (int t = 0; t <= teachers; t++) {
            out[t] = correct[t] / (double) labelled;
        }
        return out;
    }

    private static double klFromLogits(float[] teacherLogits, float[] studentProbs) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : teacherLogits) {
            max = Math.max(max, l);
        }
        double z = 0;
        for (float l : teacherLogits) {
            z += Math.exp(l - max);
        }
        double kl = 0;
        for (int c = 0; c < teacherLogits.length; c++) {
            double pt = Math.exp(teacherLogits[c] - max) / z;
            if (pt > 0) {
                kl += pt * (Math.log(pt) - Math.log(Math.max(studentProbs[c], 1e-12)));
            }
        }
        return kl;
    }
}
