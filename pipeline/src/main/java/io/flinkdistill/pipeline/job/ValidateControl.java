package io.flinkdistill.pipeline.job;

import io.flinkdistill.loss.LossComponent;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlCommands;
import io.flinkdistill.schemas.ControlType;
import io.flinkdistill.schemas.ControlValues;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes {@link ControlCommand}s from the control topic and checks their arguments against the
 * job; a command that does not decode or does not fit goes to the dead-letter topic with the
 * reason, never to the operators.
 */
public final class ValidateControl extends ProcessFunction<RawRecord, ControlCommand> {
    private static final long serialVersionUID = 1L;

    private final List<String> teacherNames;

    public ValidateControl(List<String> teacherNames) {
        this.teacherNames = List.copyOf(teacherNames);
    }

    @Override
    public void processElement(RawRecord r, Context ctx, Collector<ControlCommand> out) {
        ControlCommand c;
        try {
            c = ControlCommands.decode(r.value);
        } catch (Exception | StackOverflowError e) {
            ctx.output(
                    ValidateAndSplit.DEAD_LETTERS,
                    letter(
                            r,
                            null,
                            "not a ControlCommand (Avro single-object or JSON): "
                                    + e.getMessage()));
            return;
        }
        String problem = problem(c);
        if (problem != null) {
            ctx.output(ValidateAndSplit.DEAD_LETTERS, letter(r, c.getId(), problem));
            return;
        }
        out.collect(c);
    }

    /** What is wrong with a decoded command, or null. */
    String problem(ControlCommand c) {
        if (c.getId() == null || c.getId().isBlank()) {
            return "control command without an id";
        }
        for (Map.Entry<String, Double> e : c.getValues().entrySet()) {
            if (!Double.isFinite(e.getValue()) || e.getValue() < 0) {
                return "value " + e.getKey() + "=" + e.getValue() + " must be finite and >= 0";
            }
        }
        switch (c.getType()) {
            case UNKNOWN:
                return "unknown command type (sent by a newer version?)";
            case SET_LOSS_WEIGHTS:
                return lossWeightsProblem(c.getValues());
            case SET_TEMPERATURE:
                Double t = c.getValues().get(ControlValues.TEMPERATURE);
                if (t == null || c.getValues().size() != 1) {
                    return "SET_TEMPERATURE takes exactly one value, temperature (> 0; 0 gives the"
                            + " temperature back to the schedule), got "
                            + c.getValues().keySet();
                }
                if (t > 100) {
                    return "temperature must be at most 100, got " + t;
                }
                return null;
            default:
                break;
        }
        if (c.getType() == ControlType.SET_TEACHER_WEIGHTS) {
            Map<String, Double> v = c.getValues();
            if (ControlValues.releasesTeacherWeights(v)) {
                return null;
            }
            for (String key : v.keySet()) {
                if (!teacherNames.contains(key)) {
                    return "SET_TEACHER_WEIGHTS names teacher '"
                            + key
                            + "'; the job's teachers are "
                            + teacherNames
                            + " (or send learn=1 alone to release the weights)";
                }
            }
            if (v.values().stream().mapToDouble(Double::doubleValue).sum() <= 0) {
                return "SET_TEACHER_WEIGHTS needs a weight > 0 for at least one teacher";
            }
        }
        return null;
    }

    private static String lossWeightsProblem(Map<String, Double> v) {
        for (String key : v.keySet()) {
            if (LossComponent.byKey(key) == null) {
                return "SET_LOSS_WEIGHTS names '"
                        + key
                        + "'; allowed: "
                        + java.util.Arrays.stream(LossComponent.values())
                                .map(LossComponent::key)
                                .collect(java.util.stream.Collectors.joining(", "));
            }
        }
        double distill = 0;
        boolean any = false;
        for (LossComponent c : LossComponent.DISTILLATION) {
            distill += v.getOrDefault(c.key(), 0.0);
            any |= v.containsKey(c.key());
        }
        if (!any) {
            return "SET_LOSS_WEIGHTS needs at least one of soft, feature, attention";
        }
        if (distill > 10) {
            return "SET_LOSS_WEIGHTS weights must sum to at most 10, got " + distill;
        }
        return null;
    }

    private static DeadLetter letter(RawRecord r, String id, String reason) {
        DeadLetter l = new DeadLetter();
        l.topic = r.topic;
        l.partition = r.partition;
        l.offset = r.offset;
        l.reason = reason;
        l.id = id;
        l.payload = r.value;
        return l;
    }
}
