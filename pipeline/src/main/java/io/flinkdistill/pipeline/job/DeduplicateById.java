package io.flinkdistill.pipeline.job;

import io.flinkdistill.teacher.TeacherInput;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Drops a sample whose id was already seen within a window (keyed by id; the memory of seen ids
 * expires with state TTL), sending it to the dead letters so that nothing disappears silently. The
 * seen-set is checkpointed, so a replay after a restart is not mistaken for duplicates.
 */
public final class DeduplicateById
        extends KeyedProcessFunction<String, TeacherInput, TeacherInput> {
    private static final long serialVersionUID = 1L;

    private final Duration window;
    private transient ValueState<Boolean> seen;
    private transient Counter duplicates;

    public DeduplicateById(Duration window) {
        this.window = window;
    }

    @Override
    public void open(OpenContext ctx) {
        ValueStateDescriptor<Boolean> d = new ValueStateDescriptor<>("seen", Types.BOOLEAN);
        d.enableTimeToLive(
                StateTtlConfig.newBuilder(window)
                        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                        .build());
        seen = getRuntimeContext().getState(d);
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateSamples");
    }

    @Override
    public void processElement(TeacherInput in, Context ctx, Collector<TeacherInput> out)
            throws Exception {
        if (seen.value() != null) {
            duplicates.inc();
            DeadLetter l =
                    DeadLetter.of(
                            in,
                            "duplicate id "
                                    + in.id
                                    + " within "
                                    + window.toSeconds()
                                    + " s of an earlier sample");
            ctx.output(ValidateAndSplit.DEAD_LETTERS, l);
            return;
        }
        seen.update(Boolean.TRUE);
        out.collect(in);
    }
}
