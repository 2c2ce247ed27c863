package io.flinkdistill.teacher;

import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the ONNX teachers on micro-batches and fuses their votes. A batch closes at a sample count
 * or a latency bound; with bucketing, several batches' worth of samples are sorted by token length
 * and run in chunks so that little compute goes to padding. The buffer is flushed before every
 * checkpoint barrier and at end of input, so buffered samples never need to be stored and none is
 * lost.
 *
 * <p>The second input carries control commands (broadcast): {@code SET_TEACHER_WEIGHTS} pins the
 * fusion weights (a value per teacher name) or, with only {@code learn=1}, releases them. What the
 * operator has learned (fusion statistics, attention entropy, the selected heads, the ids of the
 * commands applied) is checkpointed as union state, so every subtask resumes with all of it.
 */
public final class TeacherOperator extends AbstractStreamOperator<ScoredSample>
        implements TwoInputStreamOperator<TeacherInput, ControlCommand, ScoredSample> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TeacherOperator.class);

    /** Batches gathered before sorting by length; larger pools mean less padding per chunk. */
    private static final int POOL_CHUNKS = 4;

    /** Command ids remembered for idempotence. */
    private static final int REMEMBERED_COMMANDS = 1000;

    private final TeacherSettings settings;
    private transient OpenTeachers leased;
    private transient List<OnnxTeacher> teachers;
    private transient TeacherFusion fusion;
    private transient HeadRanking ranking;
    private transient LinkedHashSet<String> appliedCommands;
    private transient List<byte[]> restored;
    private transient ListState<byte[]> knowledge;
    private transient List<TeacherInput> buffer;

    /** Samples taken by this subtask since it (re)started (fault injection in tests). */
    private transient long samplesTaken;

    private transient long oldestBufferedAt;
    private transient boolean timerPending;
    private transient Counter scored;

    public TeacherOperator(TeacherSettings settings) {
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        knowledge =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>(
                                        "teacher-knowledge",
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        restored = new ArrayList<>();
        if (context.isRestored()) {
            knowledge.get().forEach(restored::add);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        leased = OpenTeachers.open(settings);
        teachers = leased.teachers();
        TeacherSettings.Fusion f = settings.fusion();
        fusion = new TeacherFusion(f.weights(), f.learn(), f.halfLifeLabels());
        OnnxTeacher primary = teachers.get(0);
        ranking =
                new HeadRanking(
                        settings.attention(), primary.attentionLayers(), primary.attentionHeads());
        appliedCommands = new LinkedHashSet<>();
        restore(restored);
        restored = null;
        ranking.start();
        buffer = new ArrayList<>();
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        scored = metrics.counter("teacherScored");
        for (int i = 0; i < teachers.size(); i++) {
            int t = i;
            MetricGroup g = metrics.addGroup("teacher", teachers.get(i).name());
            g.gauge("weight", () -> fusion.weights()[t]);
            g.gauge("labelAccuracy", () -> fusion.accuracy(t));
        }
        metrics.gauge("attentionHeadsVersion", () -> ranking.selection().version());
    }

    @Override
    public void processElement1(StreamRecord<TeacherInput> element) throws Exception {
        io.flinkdistill.faults.FaultInjection.maybeFail(
                io.flinkdistill.faults.FaultInjection.TEACHER, ++samplesTaken);
        TeacherInput in = element.getValue();
        if (in.skipped) {
            // Outside the teacher budget: not scored, passed on so that the trainer counts it.
            output.collect(
                    new StreamRecord<>(
                            ScoredSample.skipped(
                                    studentOf(in), in.id, in.partition, in.offset, in.eventTime)));
            return;
        }
        if (buffer.isEmpty()) {
            oldestBufferedAt = getProcessingTimeService().getCurrentProcessingTime();
            if (!timerPending) {
                timerPending = true;
                getProcessingTimeService()
                        .registerTimer(
                                oldestBufferedAt + settings.batching().maxLatencyMillis(),
                                this::onTimer);
            }
        }
        buffer.add(in);
        int pool = settings.batching().bucketing() ? POOL_CHUNKS : 1;
        if (buffer.size() >= settings.batching().size() * pool) {
            flush();
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        io.flinkdistill.faults.FaultInjection.checkpointCompleted(
                io.flinkdistill.faults.FaultInjection.TEACHER);
    }

    @Override
    public void processElement2(StreamRecord<ControlCommand> element) {
        ControlCommand c = element.getValue();
        if (c.getType() != ControlType.SET_TEACHER_WEIGHTS
                || (c.getStudent() != null
                        && !c.getStudent().toString().equals(settings.studentName()))) {
            return;
        }
        String id = c.getId().toString();
        if (!appliedCommands.add(id)) {
            return;
        }
        while (appliedCommands.size() > REMEMBERED_COMMANDS) {
            appliedCommands.remove(appliedCommands.iterator().next());
        }
        Map<String, Double> values = new java.util.HashMap<>();
        c.getValues().forEach((k, v) -> values.put(k.toString(), v));
        if (io.flinkdistill.schemas.ControlValues.releasesTeacherWeights(values)) {
            fusion.pin(null);
            LOG.info("Command {} from {}: teacher weights released", id, c.getIssuer());
            return;
        }
        double[] w = new double[teachers.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = values.getOrDefault(teachers.get(i).name(), 0.0);
        }
        fusion.pin(w);
        LOG.info(
                "Command {} from {}: teacher weights pinned to {}",
                id,
                c.getIssuer(),
                Arrays.toString(fusion.weights()));
    }

    private void onTimer(long time) throws Exception {
        timerPending = false;
        if (buffer.isEmpty()) {
            return;
        }
        long deadline = oldestBufferedAt + settings.batching().maxLatencyMillis();
        if (time >= deadline) {
            flush();
        } else {
            timerPending = true;
            getProcessingTimeService().registerTimer(deadline, this::onTimer);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    private void flush() {
        if (buffer.isEmpty()) {
            return;
        }
        List<TeacherInput> pool = buffer;
        buffer = new ArrayList<>();
        OnnxTeacher primary = teachers.get(0);
        List<int[]> tokens = new ArrayList<>(pool.size());
        for (TeacherInput in : pool) {
            tokens.add(primary.tokenize(in.text));
        }
        List<Integer> order = new ArrayList<>(pool.size());
        for (int i = 0; i < pool.size(); i++) {
            order.add(i);
        }
        if (settings.batching().bucketing()) {
            order.sort(Comparator.comparingInt(i -> tokens.get(i).length));
        }
        int size = settings.batching().size();
        for (int start = 0; start < order.size(); start += size) {
            List<Integer> chunk = order.subList(start, Math.min(order.size(), start + size));
            List<int[]> chunkTokens = new ArrayList<>(chunk.size());
            chunk.forEach(i -> chunkTokens.add(tokens.get(i)));
            List<TeacherOutput> main =
                    primary.inferTokens(chunkTokens, ranking.selection(), ranking.entropy());
            List<List<TeacherOutput>> others = new ArrayList<>();
            for (int t = 1; t < teachers.size(); t++) {
                List<String> texts = new ArrayList<>(chunk.size());
                chunk.forEach(i -> texts.add(pool.get(i).text));
                others.add(teachers.get(t).infer(texts));
            }
            String heads = ranking.describe();
            for (int j = 0; j < chunk.size(); j++) {
                TeacherInput in = pool.get(chunk.get(j));
                float[][] logits = new float[teachers.size()][];
                logits[0] = main.get(j).logits();
                for (int t = 1; t < teachers.size(); t++) {
                    logits[t] = others.get(t - 1).get(j).logits();
                }
                output.collect(new StreamRecord<>(score(in, main.get(j), logits, heads)));
            }
        }
        scored.inc(pool.size());
        ranking.maybeRerank();
    }

    /** The student a sample is routed to: the job's routing, else the settings' student. */
    private String studentOf(TeacherInput in) {
        return in.student != null ? in.student : settings.studentName();
    }

    private ScoredSample score(TeacherInput in, TeacherOutput out, float[][] logits, String heads) {
        ScoredSample s = new ScoredSample();
        s.student = studentOf(in);
        s.id = in.id;
        s.tokens = out.tokenIds();
        s.teacherFeatures = out.embedding();
        s.teacherAttention = out.attention();
        s.eval = in.eval;
        s.partition = in.partition;
        s.offset = in.offset;
        s.eventTime = in.eventTime;
        s.augmented = in.augmented;
        s.teacherVotes = new int[logits.length];
        for (int t = 0; t < logits.length; t++) {
            s.teacherVotes[t] = io.flinkdistill.loss.Logits.argmax(logits[t]);
        }
        // Labels outside the classes never get here: they are dead-lettered upstream.
        if (in.label != null) {
            s.label = settings.classIndex(in.label);
        }
        // Fuse before learning from this sample's label, so its own vote is not graded by it.
        s.teacherLogits = fusion.fuse(logits);
        double[] w = fusion.weights();
        s.teacherWeights = new float[w.length];
        for (int t = 0; t < w.length; t++) {
            s.teacherWeights[t] = (float) w[t];
        }
        s.attentionHeads = heads;
        if (s.label >= 0 && !s.eval && logits.length > 1) {
            fusion.observe(s.teacherVotes, s.label);
        }
        return s;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        knowledge.update(List.of(encodeKnowledge()));
    }

    private byte[] encodeKnowledge() {
        return new TeacherKnowledge(
                        fusion.toArray(),
                        ranking.entropyArray(),
                        ranking.selection().version(),
                        ranking.selection().heads(),
                        List.copyOf(appliedCommands))
                .toBytes();
    }

    /**
     * Merges the states of all subtasks: fusion statistics are averaged, entropy sums added, the
     * newest head selection and every applied command id kept.
     */
    private void restore(List<byte[]> states) throws IOException {
        if (states.isEmpty()) {
            return;
        }
        double[] fusionSum = null;
        int fusionCount = 0;
        for (byte[] state : states) {
            TeacherKnowledge k = TeacherKnowledge.fromBytes(state);
            double[] f = k.fusion();
            if (fusionSum == null) {
                fusionSum = f.clone();
                fusionCount = 1;
            } else if (f.length == fusionSum.length) {
                for (int i = 0; i < f.length; i++) {
                    fusionSum[i] += f[i];
                }
                fusionCount++;
            }
            ranking.merge(k);
            appliedCommands.addAll(k.appliedCommands());
        }
        for (int i = 0; i < fusionSum.length; i++) {
            fusionSum[i] /= fusionCount;
        }
        fusion.restore(fusionSum);
    }

    /** The heads the attention maps currently average (tests, tools). */
    public HeadSelection headSelection() {
        return ranking.selection();
    }

    /** The opened teachers, primary first (tests, tools). */
    public List<OnnxTeacher> teachers() {
        return List.copyOf(teachers);
    }

    /** The fusion weights in use now (tests, tools). */
    public double[] fusionWeights() {
        return fusion.weights();
    }

    private void closeTeachers() {
        if (leased != null) {
            OpenTeachers o = leased;
            leased = null;
            teachers = null;
            o.close();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            closeTeachers();
        } finally {
            super.close();
        }
    }
}
