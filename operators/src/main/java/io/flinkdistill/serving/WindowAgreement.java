package io.flinkdistill.serving;

import io.flinkdistill.evaluation.DeferralCurve;
import io.flinkdistill.loss.Logits;
import io.flinkdistill.publish.WindowMeasure;
import io.flinkdistill.sample.ScoredSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Agreement of an exported student file with the teacher on scored samples, and its cascade
 * deferral curve, measured with ONNX Runtime on the file itself: what a server would answer, not
 * what the trainer holds.
 */
public final class WindowAgreement implements WindowMeasure {
    private static final int CHUNK = 64;
    private final List<ScoredSample> samples;

    /** Over a copy of these samples (the trainer's window moves on). */
    public WindowAgreement(List<ScoredSample> samples) {
        this.samples = List.copyOf(samples);
    }

    /** Null for an empty window: nothing to measure on. */
    public static WindowAgreement over(List<ScoredSample> samples) {
        return samples.isEmpty() ? null : new WindowAgreement(samples);
    }

    @Override
    public double applyAsDouble(byte[] onnx) {
        float[][] probs = predict(onnx);
        int agree = 0;
        for (int i = 0; i < probs.length; i++) {
            agree += Logits.argmax(probs[i]) == samples.get(i).teacherClass() ? 1 : 0;
        }
        return agree / (double) samples.size();
    }

    /** The cascade's deferral curve of this file on the window ({@link DeferralCurve}). */
    @Override
    public List<DeferralCurve.Point> curve(byte[] onnx) {
        float[][] probs = predict(onnx);
        int[] teacher = new int[samples.size()];
        int[] labels = new int[samples.size()];
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = samples.get(i).teacherClass();
            labels[i] = samples.get(i).label;
        }
        return DeferralCurve.measure(probs, teacher, labels);
    }

    /**
     * The files last predicted with (weakly: the caller owns them) and their predictions:
     * publishing asks the pruning candidates for their agreement, then the chosen file for its
     * curve, which is then no second pass over the window.
     */
    private final java.util.ArrayDeque<Predicted> recent = new java.util.ArrayDeque<>();

    private static final int RECENT = 4;

    private record Predicted(java.lang.ref.WeakReference<byte[]> file, float[][] probabilities) {}

    private float[][] predict(byte[] onnx) {
        for (Predicted p : recent) {
            if (p.file().get() == onnx) {
                return p.probabilities();
            }
        }
        float[][] out = new float[samples.size()][];
        try (OnnxStudent student = OnnxStudent.forTokens(onnx, 1)) {
            for (int start = 0; start < samples.size(); start += CHUNK) {
                int end = Math.min(samples.size(), start + CHUNK);
                List<int[]> tokens = new ArrayList<>(end - start);
                samples.subList(start, end).forEach(s -> tokens.add(s.tokens));
                float[][] probs = student.predictTokens(tokens);
                System.arraycopy(probs, 0, out, start, probs.length);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open the exported student", e);
        }
        recent.addFirst(new Predicted(new java.lang.ref.WeakReference<>(onnx), out));
        if (recent.size() > RECENT) {
            recent.removeLast();
        }
        return out;
    }
}
