package io.flinkdistill.serving;

import io.flinkdistill.loss.Logits;
import io.flinkdistill.sample.ScoredSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Agreement of an exported student file with the teacher on scored samples, measured with ONNX
 * Runtime on the file itself: what a server would answer, not what the trainer holds.
 */
public final class WindowAgreement implements ToDoubleFunction<byte[]> {
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
        int agree = 0;
        try (OnnxStudent student = OnnxStudent.forTokens(onnx, 1)) {
            for (int start = 0; start < samples.size(); start += CHUNK) {
                List<ScoredSample> chunk =
                        samples.subList(start, Math.min(samples.size(), start + CHUNK));
                List<int[]> tokens = new ArrayList<>(chunk.size());
                chunk.forEach(s -> tokens.add(s.tokens));
                float[][] probs = student.predictTokens(tokens);
                for (int i = 0; i < chunk.size(); i++) {
                    agree += Logits.argmax(probs[i]) == chunk.get(i).teacherClass() ? 1 : 0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not open the exported student", e);
        }
        return agree / (double) samples.size();
    }
}
