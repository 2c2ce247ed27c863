package io.flinkdistill.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Creates DJL arrays whose memory belongs to libtorch.
 *
 * <p>DJL's PyTorch engine wraps Java data with {@code torch::from_blob} over a direct {@code
 * ByteBuffer}: the tensor then lives in memory that the Java garbage collector frees once the
 * wrapper lets go of the buffer, whatever libtorch still refers to. Under allocation pressure (a
 * Flink task manager) this corrupted the heap here: infinite gradients, then a crash in {@code
 * malloc}. Cloning into libtorch-owned memory removes the hazard for a small copy.
 *
 * <p>The same holds for DJL's operations with a number operand ({@code x.mul(2f)}): they wrap the
 * number with {@code from_blob} and close it right after the call, while autograd may have saved it
 * for the backward pass, which then reads freed memory (garbage gradients, found here as infinite
 * or NaN gradient norms with a finite loss). On any array that takes part in a gradient, use {@link
 * #scalar} instead: it lives in the array's manager until the step ends.
 */
public final class NativeArrays {
    private NativeArrays() {}

    public static NDArray owned(NDManager manager, float[] data, Shape shape) {
        try (NDManager tmp = manager.newSubManager()) {
            return adopt(tmp.create(data, shape), manager);
        }
    }

    public static NDArray owned(NDManager manager, int[] data, Shape shape) {
        try (NDManager tmp = manager.newSubManager()) {
            return adopt(tmp.create(data, shape), manager);
        }
    }

    /** A 0-d libtorch-owned array in the same manager as {@code like}, for scalar operands. */
    public static NDArray scalar(NDArray like, float value) {
        return owned(like.getManager(), new float[] {value}, new Shape());
    }

    private static NDArray adopt(NDArray blob, NDManager manager) {
        NDArray copy = blob.duplicate();
        copy.attach(manager);
        return copy;
    }
}
