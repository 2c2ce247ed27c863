package io.flinkdistill.training;

import io.flinkdistill.codec.BinaryCodec;
import io.flinkdistill.codec.StateFormat;
import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import io.flinkdistill.schemas.ControlValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the control topic has told the trainer, independent of Flink: the ids of the commands
 * already applied (so that applying one twice changes nothing), and per student the loss weights,
 * temperature and pause that commands set, with counters of paused samples and drift events.
 * Checkpointed as a whole in the trainer operator's state.
 *
 * <p>A command without a student applies to every student, including students first seen later.
 */
public final class TrainerControl {
    /** Applied ids remembered; the oldest are forgotten beyond this. */
    static final int REMEMBERED_IDS = 10_000;

    private static final String EVERY = "*";
    private static final int FORMAT_VERSION = 1;

    /** What commands set for one student (or, under {@link #EVERY}, for all). */
    public static final class Overrides {
        /** Loss weights set by a command, or null: the trainer keeps its own. */
        public LossWeights weights;

        /** Temperature set by a command, or NaN: the schedule decides. */
        public double temperature = Double.NaN;

        public boolean paused;

        Overrides copy() {
            Overrides o = new Overrides();
            o.weights = weights;
            o.temperature = temperature;
            o.paused = paused;
            return o;
        }
    }

    /** What applying a command asks the operator to do beyond updating overrides. */
    public enum Action {
        NONE,
        PUBLISH,
        REALIGN
    }

    /** The effect of one command: the students it touches and the action they need. */
    public record Effect(boolean applied, Action action, List<String> students) {}

    private final LinkedHashSet<String> applied = new LinkedHashSet<>();
    private final Map<String, Overrides> overrides = new TreeMap<>();
    private final Map<String, Long> samplesPaused = new TreeMap<>();
    private final Map<String, Integer> driftEvents = new TreeMap<>();
    private final LinkedHashSet<String> students = new LinkedHashSet<>();

    /** Records a student as known (global commands reach it from then on). */
    public void know(String student) {
        students.add(student);
    }

    public List<String> students() {
        return List.copyOf(students);
    }

    /** What commands set for a student. */
    public Overrides overridesFor(String student) {
        Overrides own = overrides.get(student);
        if (own != null) {
            return own;
        }
        Overrides every = overrides.get(EVERY);
        return every == null ? new Overrides() : every;
    }

    public boolean paused(String student) {
        return overridesFor(student).paused;
    }

    public void countPaused(String student) {
        samplesPaused.merge(student, 1L, Long::sum);
    }

    public long samplesPaused(String student) {
        return samplesPaused.getOrDefault(student, 0L);
    }

    public int driftEvents(String student) {
        return driftEvents.getOrDefault(student, 0);
    }

    public boolean alreadyApplied(String id) {
        return applied.contains(id);
    }

    /**
     * Applies a validated command once; a command whose id was applied before changes nothing.
     *
     * @param current the loss weights the student trains with now, completed by partial commands
     */
    public Effect apply(
            ControlCommand c, java.util.function.Function<String, LossWeights> current) {
        if (c.getType() == ControlType.SET_TEACHER_WEIGHTS || c.getType() == ControlType.UNKNOWN) {
            return new Effect(false, Action.NONE, List.of());
        }
        if (!applied.add(c.getId())) {
            return new Effect(false, Action.NONE, List.of());
        }
        while (applied.size() > REMEMBERED_IDS) {
            applied.remove(applied.iterator().next());
        }
        List<String> targets =
                c.getStudent() == null ? new ArrayList<>(students) : List.of(c.getStudent());
        List<String> scopes = new ArrayList<>(targets);
        if (c.getStudent() == null) {
            scopes.add(EVERY);
        }
        Action action = Action.NONE;
        for (String scope : scopes) {
            Overrides o = overridesFor(scope).copy();
            switch (c.getType()) {
                case SET_LOSS_WEIGHTS -> o.weights = weights(c.getValues(), current.apply(scope));
                case SET_TEMPERATURE -> o.temperature = ControlValues.temperature(c);
                case PAUSE -> o.paused = true;
                case RESUME -> o.paused = false;
                case PUBLISH_NOW -> action = Action.PUBLISH;
                case REALIGN -> {
                    action = Action.REALIGN;
                    if (!scope.equals(EVERY)) {
                        driftEvents.merge(scope, 1, Integer::sum);
                    }
                }
                default -> throw new IllegalStateException("unhandled " + c.getType());
            }
            overrides.put(scope, o);
        }
        return new Effect(true, action, targets);
    }

    /** New weights: the command's values, the current ones for components it leaves out. */
    static LossWeights weights(Map<String, Double> values, LossWeights now) {
        return io.flinkdistill.loss.LossComponent.apply(values, now);
    }

    /** Sets a trainer's loss weights and temperature as the commands so far left them. */
    void applyTo(StudentTrainer trainer) {
        Overrides o = overridesFor(trainer.name());
        if (o.weights != null) {
            trainer.setLossWeights(o.weights);
        }
        trainer.schedule().setTemperatureOverride(o.temperature);
    }

    private static final StateFormat FORMAT =
            StateFormat.versionOnly("a trainer control state", 1, FORMAT_VERSION);

    public byte[] toBytes() {
        return FORMAT.encode(
                out -> {
                    BinaryCodec.writeStringList(out, applied);
                    BinaryCodec.writeStringList(out, students);
                    out.writeInt(overrides.size());
                    for (Map.Entry<String, Overrides> e : overrides.entrySet()) {
                        out.writeUTF(e.getKey());
                        Overrides o = e.getValue();
                        out.writeBoolean(o.weights != null);
                        if (o.weights != null) {
                            o.weights.writeTo(out);
                        }
                        out.writeDouble(o.temperature);
                        out.writeBoolean(o.paused);
                    }
                    out.writeInt(samplesPaused.size());
                    for (Map.Entry<String, Long> e : samplesPaused.entrySet()) {
                        out.writeUTF(e.getKey());
                        out.writeLong(e.getValue());
                    }
                    out.writeInt(driftEvents.size());
                    for (Map.Entry<String, Integer> e : driftEvents.entrySet()) {
                        out.writeUTF(e.getKey());
                        out.writeInt(e.getValue());
                    }
                });
    }

    public static TrainerControl fromBytes(byte[] data) {
        return FORMAT.decode(
                data,
                (in, version) -> {
                    TrainerControl c = new TrainerControl();
                    c.applied.addAll(BinaryCodec.readStringList(in));
                    c.students.addAll(BinaryCodec.readStringList(in));
                    for (int i = in.readInt(); i > 0; i--) {
                        String key = in.readUTF();
                        Overrides o = new Overrides();
                        if (in.readBoolean()) {
                            o.weights = LossWeights.readFrom(in);
                        }
                        o.temperature = in.readDouble();
                        o.paused = in.readBoolean();
                        c.overrides.put(key, o);
                    }
                    for (int i = in.readInt(); i > 0; i--) {
                        c.samplesPaused.put(in.readUTF(), in.readLong());
                    }
                    for (int i = in.readInt(); i > 0; i--) {
                        c.driftEvents.put(in.readUTF(), in.readInt());
                    }
                    return c;
                });
    }

    /** Merges states of several subtasks (after rescaling): the union of everything. */
    public static TrainerControl merge(List<TrainerControl> parts) {
        TrainerControl all = new TrainerControl();
        for (TrainerControl p : parts) {
            all.applied.addAll(p.applied);
            all.students.addAll(p.students);
            all.overrides.putAll(p.overrides);
            p.samplesPaused.forEach((k, v) -> all.samplesPaused.merge(k, v, Math::max));
            p.driftEvents.forEach((k, v) -> all.driftEvents.merge(k, v, Math::max));
        }
        return all;
    }

    /** Overrides by scope, for logs and tests. */
    Map<String, Overrides> overrides() {
        return new LinkedHashMap<>(overrides);
    }
}
