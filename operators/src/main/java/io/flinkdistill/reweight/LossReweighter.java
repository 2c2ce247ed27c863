package io.flinkdistill.reweight;

import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import io.flinkdistill.schemas.DistillMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The evaluator's steering, keyed by student: reads every metrics record of the trainer, asks the
 * {@link LossPolicy} for new loss weights and the {@link DriftDetector} for drift, and writes the
 * decisions as {@link ControlCommand}s (issuer {@value #ISSUER}) for the control topic, where the
 * trainer picks them up like any other command. Command ids are derived from the student and step,
 * so a decision replayed after a restart carries the id the trainer has already applied.
 */
public final class LossReweighter
        extends KeyedProcessFunction<String, DistillMetrics, ControlCommand> {
    private static final long serialVersionUID = 1L;

    public static final String ISSUER = "evaluator";
    static final int HISTORY = 8;

    /** Agreement on fewer eval samples than this is too noisy to call drift. */
    static final int MIN_DRIFT_WINDOW = 100;

    private static final int POINT = 8;

    private final LossPolicy policy;
    private final double[] base;
    private final DriftDetector drift;
    private final InputDriftDetector inputDrift;

    private transient ValueState<double[]> history;
    private transient ValueState<double[]> driftState;

    /** Whether the input-drift detector is disarmed (it fired and no new reference was seen). */
    private transient ValueState<Boolean> inputDriftFired;

    /**
     * @param base the configured (soft, feature, attention) weights
     */
    public LossReweighter(LossPolicy policy, double[] base, DriftDetector drift) {
        this(policy, base, drift, new InputDriftDetector(0));
    }

    public LossReweighter(
            LossPolicy policy, double[] base, DriftDetector drift, InputDriftDetector inputDrift) {
        this.policy = policy;
        this.base = base.clone();
        this.drift = drift;
        this.inputDrift = inputDrift;
    }

    @Override
    public void open(OpenContext context) {
        history =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "reweight-history",
                                        PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
        driftState =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "drift",
                                        PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
        inputDriftFired =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("input-drift-fired", Boolean.class));
    }

    @Override
    public void processElement(DistillMetrics m, Context ctx, Collector<ControlCommand> out)
            throws Exception {
        if (m.getPaused() || m.getEvalWindow() == 0) {
            return;
        }
        String student = ctx.getCurrentKey();
        double lost = Double.NaN;
        if (m.getEvalWindow() >= MIN_DRIFT_WINDOW) {
            double[] d = driftState.value();
            d = d == null ? DriftDetector.initialState() : d;
            lost = drift.observe(d, m.getEvalAgreement(), m.getEvalWindow());
            driftState.update(d);
        }
        if (!Double.isNaN(lost)) {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("agreement", m.getEvalAgreement());
            values.put("best", lost);
            values.put("margin", drift.margin());
            out.collect(realign("drift-", student, m, values));
        }
        boolean fired = Boolean.TRUE.equals(inputDriftFired.value());
        if (InputDriftDetector.rearms(m.getInputShift())) {
            if (fired) {
                inputDriftFired.update(false);
            }
        } else if (inputDrift.fires(!fired, m.getInputShift())) {
            inputDriftFired.update(true);
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("input_shift", m.getInputShift());
            values.put("threshold", inputDrift.threshold());
            out.collect(realign("input-drift-", student, m, values));
        }
        if (m.getLossTotal() <= 0) {
            return;
        }
        List<LossPoint> points = append(LossPoint.of(m));
        if (points == null) {
            return;
        }
        double[] next = policy.next(points, base);
        if (next != null) {
            Map<String, Double> values = new LinkedHashMap<>();
            for (int k = 0; k < next.length; k++) {
                values.put(io.flinkdistill.loss.LossComponent.DISTILLATION.get(k).key(), next[k]);
            }
            out.collect(
                    command(
                            policy.name() + "-" + student + "-" + m.getStep(),
                            ControlType.SET_LOSS_WEIGHTS,
                            student,
                            values));
        }
    }

    /**
     * A drift decision: REALIGN with its evidence, id {@code <detector prefix><student>-<step>} (so
     * a replayed record carries the id already applied).
     */
    private static ControlCommand realign(
            String detector, String student, DistillMetrics m, Map<String, Double> evidence) {
        return command(
                detector + student + "-" + m.getStep(), ControlType.REALIGN, student, evidence);
    }

    /** The history with the new point, or null when the point is a replay. */
    private List<LossPoint> append(LossPoint p) throws Exception {
        double[] h = history.value();
        List<LossPoint> points = new ArrayList<>();
        if (h != null) {
            for (int i = 0; i + POINT <= h.length; i += POINT) {
                points.add(
                        new LossPoint(
                                (long) h[i],
                                new double[] {h[i + 1], h[i + 2], h[i + 3]},
                                new double[] {h[i + 4], h[i + 5], h[i + 6]},
                                h[i + 7]));
            }
        }
        if (!points.isEmpty() && points.get(points.size() - 1).step() >= p.step()) {
            // A replayed record after a restart: its decision was made (and sent) before.
            return null;
        }
        points.add(p);
        while (points.size() > HISTORY) {
            points.remove(0);
        }
        double[] out = new double[points.size() * POINT];
        for (int i = 0; i < points.size(); i++) {
            LossPoint q = points.get(i);
            out[i * POINT] = q.step();
            System.arraycopy(q.losses(), 0, out, i * POINT + 1, 3);
            System.arraycopy(q.weights(), 0, out, i * POINT + 4, 3);
            out[i * POINT + 7] = q.agreement();
        }
        history.update(out);
        return points;
    }

    private static ControlCommand command(
            String id, ControlType type, String student, Map<String, Double> values) {
        return ControlCommand.newBuilder()
                .setId(id)
                .setIssuer(ISSUER)
                .setType(type)
                .setStudent(student)
                .setValues(values)
                .setTimestamp(java.time.Instant.now())
                .build();
    }
}
