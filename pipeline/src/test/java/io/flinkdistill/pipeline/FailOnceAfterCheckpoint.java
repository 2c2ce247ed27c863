package io.flinkdistill.pipeline;

import io.flinkdistill.pipeline.job.DecodedSample;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Passes records through; in the first attempt it paces them and throws once at least one
 * checkpoint has completed and {@code failAfter} records went by, so that the job restarts from
 * that checkpoint in the middle of training.
 */
final class FailOnceAfterCheckpoint extends RichMapFunction<DecodedSample, DecodedSample>
        implements CheckpointListener {
    private static final long serialVersionUID = 1L;

    /** Set when the failure was thrown (the MiniCluster runs in the test's JVM). */
    static final AtomicBoolean FAILED = new AtomicBoolean();

    /** When the failure was thrown, in ms since the epoch. */
    static volatile long failedAtMillis = -1;

    private final int failAfter;
    private transient int seen;
    private transient volatile boolean checkpointed;

    FailOnceAfterCheckpoint(int failAfter) {
        this.failAfter = failAfter;
    }

    @Override
    public DecodedSample map(DecodedSample value) throws Exception {
        if (getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
            seen++;
            // Slower once past failAfter without a completed checkpoint, so that one completes
            // before the input runs out even on a busy machine.
            Thread.sleep(seen >= failAfter && !checkpointed ? 20 : 3);
            if (seen >= failAfter && checkpointed && FAILED.compareAndSet(false, true)) {
                failedAtMillis = System.currentTimeMillis();
                throw new IllegalStateException("Injected failure after " + seen + " records");
            }
        }
        return value;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        checkpointed = true;
    }
}
