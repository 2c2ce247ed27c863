package io.flinkdistill.pipeline.job;

import io.flinkdistill.pipeline.kafka.TopicFollower;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.selection.TeacherSelector;
import io.flinkdistill.serving.HotSwapModel;
import io.flinkdistill.teacher.TeacherInput;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the teacher within its budget: every labelled or eval-slice sample passes; of the
 * unlabelled training samples, the {@link TeacherSelector} picks which the teacher scores. The
 * others pass on marked {@link TeacherInput#skipped skipped} (without their text), so that the
 * trainer counts each exactly once in its checkpointed state; nothing is dropped here.
 *
 * <p>A policy that asks the student follows the models topic on a background thread and predicts
 * with the newest published fp32 student ({@link HotSwapModel}); until one is published it draws at
 * random. The student is not state: after a restart it is read from the topic again.
 */
public final class SelectForTeacher extends ProcessFunction<TeacherInput, TeacherInput> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SelectForTeacher.class);

    private final TeacherSelection selection;
    private final String student;

    private transient TeacherSelector selector;
    private transient HotSwapModel model;
    private transient TopicFollower<StudentModelPublished> follower;
    private transient Counter selected;
    private transient Counter skipped;

    public SelectForTeacher(TeacherSelection selection, String student) {
        this.selection = selection;
        this.student = student;
    }

    @Override
    public void open(OpenContext ctx) {
        int subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        selector =
                new TeacherSelector(
                        selection.budget(), selection.policy(), selection.randomShare(), subtasks);
        var group = getRuntimeContext().getMetricGroup();
        selected = group.counter("teacherSelected");
        skipped = group.counter("teacherSkipped");
        if (selection.policy().needsStudent()) {
            model = new HotSwapModel(student, "onnx-fp32", 1);
            group.gauge("selectionStudentVersion", model::version);
            Map<String, Object> client = new HashMap<>(selection.kafka());
            follower =
                    new TopicFollower<>(
                            client,
                            selection.modelsTopic(),
                            bytes -> StudentModelPublished.fromByteBuffer(ByteBuffer.wrap(bytes)),
                            this::offer);
        }
        LOG.info("Teacher selection: {} ({} subtasks)", selection.describe(), subtasks);
    }

    private void offer(StudentModelPublished e) {
        try {
            if (model.offer(e)) {
                LOG.info("Selection now asks student {} version {}", student, e.getVersion());
            }
        } catch (Exception ex) {
            LOG.warn("Selection keeps its student: {}", ex.getMessage());
        }
    }

    @Override
    public void processElement(TeacherInput in, Context ctx, Collector<TeacherInput> out) {
        if (in.eval || in.label != null) {
            out.collect(in);
            return;
        }
        double draw =
                TeacherSelector.draw(
                        io.flinkdistill.sample.SampleIds.hash("teacher-budget:" + in.id));
        long now = ctx.timerService().currentProcessingTime();
        if (selector.select(draw, margin(in.text), now)) {
            selected.inc();
            out.collect(in);
            return;
        }
        skipped.inc();
        in.skipped = true;
        in.text = "";
        out.collect(in);
    }

    /** The student's top-1 minus top-2 probability, NaN when no student asks or is published. */
    private double margin(String text) {
        if (model == null) {
            return Double.NaN;
        }
        HotSwapModel.Prediction p = model.predict(List.of(text));
        if (p == null) {
            return Double.NaN;
        }
        return margin(p.probabilities()[0]);
    }

    static double margin(float[] probabilities) {
        float first = Float.NEGATIVE_INFINITY;
        float second = Float.NEGATIVE_INFINITY;
        for (float v : probabilities) {
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        return second == Float.NEGATIVE_INFINITY ? 1 : first - second;
    }

    @Override
    public void close() throws Exception {
        if (follower != null) {
            follower.close();
        }
        if (model != null) {
            model.close();
        }
    }
}
