package io.flinkdistill.teacher;

import io.flinkdistill.training.ScoredSample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Runs the ONNX teacher on micro-batches. A batch closes at a sample count or a latency bound; its
 * samples are sorted by token length and run in chunks so that little compute goes to padding. The
 * buffer is flushed before every checkpoint barrier and at end of input, so buffered samples never
 * need to be stored and none is lost.
 */
public final class TeacherOperator extends AbstractStreamOperator<ScoredSample>
        implements OneInputStreamOperator<TeacherInput, ScoredSample> {
    private static final long serialVersionUID = 1L;

    /** Samples gathered before sorting by length; larger pools mean less padding per chunk. */
    private static final int POOL_CHUNKS = 4;

    private final TeacherSettings settings;
    private transient OnnxTeacher teacher;
    private transient List<TeacherInput> buffer;
    private transient long oldestBufferedAt;
    private transient boolean timerPending;
    private transient Counter scored;

    public TeacherOperator(TeacherSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open() throws Exception {
        super.open();
        teacher =
                OnnxTeacher.openWithAttention(
                        ShippedEncoder.byId(settings.model()),
                        settings.head(),
                        settings.maxTokens(),
                        settings.threads(),
                        settings.attentionStudentLayers());
        buffer = new ArrayList<>();
        scored = getRuntimeContext().getMetricGroup().counter("teacherScored");
    }

    @Override
    public void processElement(StreamRecord<TeacherInput> element) throws Exception {
        if (buffer.isEmpty()) {
            oldestBufferedAt = getProcessingTimeService().getCurrentProcessingTime();
            if (!timerPending) {
                timerPending = true;
                getProcessingTimeService()
                        .registerTimer(
                                oldestBufferedAt + settings.maxLatencyMillis(), this::onTimer);
            }
        }
        buffer.add(element.getValue());
        if (buffer.size() >= settings.batchSize() * POOL_CHUNKS) {
            flush();
        }
    }

    private void onTimer(long time) throws Exception {
        timerPending = false;
        if (buffer.isEmpty()) {
            return;
        }
        if (time >= oldestBufferedAt + settings.maxLatencyMillis()) {
            flush();
        } else {
            timerPending = true;
            getProcessingTimeService()
                    .registerTimer(oldestBufferedAt + settings.maxLatencyMillis(), this::onTimer);
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
        List<int[]> tokens = new ArrayList<>(pool.size());
        for (TeacherInput in : pool) {
            tokens.add(teacher.tokenize(in.text));
        }
        List<Integer> order = new ArrayList<>(pool.size());
        for (int i = 0; i < pool.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt(i -> tokens.get(i).length));
        for (int start = 0; start < order.size(); start += settings.batchSize()) {
            List<Integer> chunk =
                    order.subList(start, Math.min(order.size(), start + settings.batchSize()));
            List<int[]> chunkTokens = new ArrayList<>(chunk.size());
            chunk.forEach(i -> chunkTokens.add(tokens.get(i)));
            List<TeacherOutput> outputs = teacher.inferTokens(chunkTokens);
            for (int j = 0; j < chunk.size(); j++) {
                output.collect(new StreamRecord<>(score(pool.get(chunk.get(j)), outputs.get(j))));
            }
        }
        scored.inc(pool.size());
    }

    private ScoredSample score(TeacherInput in, TeacherOutput out) {
        ScoredSample s = new ScoredSample();
        s.student = settings.studentName();
        s.id = in.id;
        s.tokens = out.tokenIds();
        s.teacherLogits = out.logits();
        s.teacherFeatures = out.embedding();
        s.teacherAttention = out.attention();
        s.eval = in.eval;
        s.partition = in.partition;
        s.offset = in.offset;
        // Labels outside the head's classes never get here: they are dead-lettered upstream.
        if (in.label != null) {
            s.label = teacher.head().classIndex(in.label);
        }
        return s;
    }

    @Override
    public void close() throws Exception {
        try {
            if (teacher != null) {
                teacher.close();
                teacher = null;
            }
        } finally {
            super.close();
        }
    }
}
