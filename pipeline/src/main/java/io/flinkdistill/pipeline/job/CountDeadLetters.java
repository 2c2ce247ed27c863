package io.flinkdistill.pipeline.job;

import io.flinkdistill.schemas.DistillMetrics;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Counts the job's dead letters (second input) and writes the running total into every metrics
 * record (first input) as {@code dead_letters}. The count is operator state, so it is exact across
 * restarts even though the dead-letter topic itself is written at least once. Runs as one subtask.
 */
public final class CountDeadLetters extends AbstractStreamOperator<DistillMetrics>
        implements TwoInputStreamOperator<DistillMetrics, DeadLetter, DistillMetrics> {
    private static final long serialVersionUID = 1L;

    private transient ListState<Long> state;
    private transient long count;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state =
                context.getOperatorStateStore()
                        .getUnionListState(new ListStateDescriptor<>("dead-letters", Types.LONG));
        count = 0;
        for (Long c : state.get()) {
            // One subtask writes the count; after a rescale each subtask sees every entry once.
            count = Math.max(count, c);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.update(java.util.List.of(count));
    }

    @Override
    public void processElement1(StreamRecord<DistillMetrics> element) {
        DistillMetrics m =
                DistillMetrics.newBuilder(element.getValue()).setDeadLetters(count).build();
        output.collect(element.replace(m));
    }

    @Override
    public void processElement2(StreamRecord<DeadLetter> element) {
        count++;
    }

    long count() {
        return count;
    }
}
