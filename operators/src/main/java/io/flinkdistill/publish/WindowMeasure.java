package io.flinkdistill.publish;

import io.flinkdistill.evaluation.DeferralCurve;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Measures an exported student file on the trainer's eval window: its agreement with the teacher
 * ({@link #applyAsDouble}, for the pruning decision) and its cascade deferral curve (published with
 * the file).
 */
public interface WindowMeasure extends ToDoubleFunction<byte[]> {
    List<DeferralCurve.Point> curve(byte[] onnx);
}
