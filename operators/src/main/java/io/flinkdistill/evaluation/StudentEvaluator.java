package io.flinkdistill.evaluation;

import ai.djl.ndarray.NDManager;
import io.flinkdistill.loss.Logits;
import io.flinkdistill.student.StudentModel;
import io.flinkdistill.training.ScoredSample;
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
        for (int start = 0; start < samples.size(); start += CHUNK) {
            List<ScoredSample> chunk =
                    samples.subList(start, Math.min(samples.size(), start + CHUNK));
            List<int[]> tokens = new ArrayList<>(chunk.size());
            chunk.forEach(s -> tokens.add(s.tokens));
            float[][] probs = student.predictProbabilities(parent, tokens);
            for (int i = 0; i < chunk.size(); i++) {
                ScoredSample s = chunk.get(i);
                int predicted = Logits.argmax(probs[i]);
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
                n == 0 ? Double.NaN : kl / n);
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
