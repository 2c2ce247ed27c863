package io.flinkdistill.training;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Autograd for one step on the calling thread. DJL's {@code PtGradientCollector} allows one
 * collector per JVM (a static flag: a second trainer in the same TaskManager fails its step with "A
 * PtGradientCollector is already collecting"), although what it does is per thread: PyTorch's grad
 * mode is thread-local, a backward pass only touches the graph of its own loss, and our trainers
 * clear their own parameters' gradients after each step (the collector's {@code zeroGradients}
 * would clear every array of the process, another trainer's included, which is why it is not used).
 * This does the same three things without the flag: grad mode on, backward, grad mode back.
 */
final class ThreadGradients implements AutoCloseable {
    private final boolean wasOn;

    ThreadGradients() {
        wasOn = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Gradients of {@code loss} (a scalar) into every parameter that requires them. */
    void backward(NDArray loss) {
        NDArray ones = loss.getManager().ones(loss.getShape(), loss.getDataType());
        JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
    }

    @Override
    public void close() {
        if (!wasOn) {
            JniUtils.setGradMode(false);
        }
    }
}
