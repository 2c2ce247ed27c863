package io.flinkdistill.pipeline.job;

import io.flinkdistill.augment.TextAugmenter;
import io.flinkdistill.teacher.TeacherInput;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Passes every sample on and, after each training sample the teacher will score, its variants
 * ({@link TextAugmenter}): unlabelled, with the sample's coordinates and event time, marked {@link
 * TeacherInput#augmented}. Eval-slice samples and samples outside the teacher budget get none.
 * Stateless: the variants depend only on the sample, so a replay emits the same ones.
 */
public final class AugmentForTeacher extends ProcessFunction<TeacherInput, TeacherInput> {
    private static final long serialVersionUID = 1L;

    private final TextAugmenter augmenter;

    private transient Counter variants;

    public AugmentForTeacher(TextAugmenter augmenter) {
        this.augmenter = augmenter;
    }

    @Override
    public void open(OpenContext ctx) {
        variants = getRuntimeContext().getMetricGroup().counter("augmentedVariants");
    }

    @Override
    public void processElement(TeacherInput in, Context ctx, Collector<TeacherInput> out) {
        out.collect(in);
        if (in.eval || in.skipped || in.augmented) {
            return;
        }
        int n = 0;
        for (String text : augmenter.variants(in.id, in.text)) {
            TeacherInput v =
                    new TeacherInput(
                            TextAugmenter.variantId(in.id, ++n),
                            text,
                            null,
                            false,
                            in.partition,
                            in.offset);
            v.topic = in.topic;
            v.eventTime = in.eventTime;
            v.source = in.source;
            v.student = in.student;
            v.augmented = true;
            out.collect(v);
        }
        variants.inc(n);
    }
}
