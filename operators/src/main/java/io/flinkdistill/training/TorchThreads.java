package io.flinkdistill.training;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's intra-op threads. Setting them sets the calling thread's count (a trainer subtask
 * calls this in its task thread, so it holds for its slot, as ONNX Runtime's session threads do for
 * a teacher subtask) and the count that threads take when they first run libtorch afterwards; a
 * thread that already ran libtorch keeps its own (measured: {@code TorchThreadsTest}). Left alone,
 * libtorch uses one thread per core of the machine, beside the teacher's threads.
 */
public final class TorchThreads {
    private static final Logger LOG = LoggerFactory.getLogger(TorchThreads.class);

    private TorchThreads() {}

    /** Sets the calling thread's intra-op threads; 0 leaves libtorch's default. */
    public static void set(int threads) {
        if (threads <= 0) {
            return;
        }
        Engine.getEngine("PyTorch"); // loads the native library
        int before = JniUtils.getNumThreads();
        JniUtils.setNumThreads(threads);
        LOG.info(
                "libtorch intra-op threads of {}: {} (was {})",
                Thread.currentThread().getName(),
                JniUtils.getNumThreads(),
                before);
    }

    /** The calling thread's intra-op threads. */
    public static int get() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }
}
