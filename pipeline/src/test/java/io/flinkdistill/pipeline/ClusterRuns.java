package io.flinkdistill.pipeline;

import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/** Sample counts and metrics waits shared by the cluster tests (eval fraction 0.1). */
final class ClusterRuns {
    static final Duration DEADLINE = Duration.ofMinutes(3);

    private ClusterRuns() {}

    /**
     * The rows from {@code start} on that hold exactly {@code count} training (non-eval) samples.
     */
    static List<TsvRow> withTrainCount(TsvDataset data, List<TsvRow> rows, int start, int count) {
        EvalSplit split = new EvalSplit(0.1);
        int train = 0;
        int end = start;
        while (train < count) {
            train += split.isEval(data.idOf(rows.get(end))) ? 0 : 1;
            end++;
        }
        return rows.subList(start, end);
    }

    static long trainCount(TsvDataset data, List<TsvRow> rows) {
        EvalSplit split = new EvalSplit(0.1);
        return rows.stream().filter(r -> !split.isEval(data.idOf(r))).count();
    }

    /**
     * Waits until the metrics topic reports at least {@code n} samples trained; the newest record.
     */
    static DistillMetrics waitForSamples(String bootstrapServers, long n) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        DistillMetrics last = null;
        while (System.nanoTime() < deadline) {
            List<byte[]> records = TopicRecords.readAll(bootstrapServers, "distill.metrics");
            if (!records.isEmpty()) {
                last =
                        DistillMetrics.fromByteBuffer(
                                ByteBuffer.wrap(records.get(records.size() - 1)));
                if (last.getSamplesTrained() >= n) {
                    return last;
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(
                "no metrics with " + n + " samples trained within " + DEADLINE + "; last: " + last);
    }
}
