package io.flinkdistill.pipeline.job;

import io.flinkdistill.teacher.TeacherInput;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Checks each decoded record and tags it with its slice. Unusable records go to the {@link
 * #DEAD_LETTERS} side output with the reason and are counted; nothing here fails the job.
 */
public final class ValidateAndSplit extends ProcessFunction<DecodedSample, TeacherInput> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final EvalSplit split;
    private final int maxChars;
    private final boolean deadLetterLongText;
    private final List<String> classes;
    private transient Counter deadLetters;

    /**
     * @param classes the teacher head's classes; a gold label outside them is rejected
     */
    /**
     * @param deadLetterLongText texts longer than {@code maxChars} go to the dead-letter topic
     *     instead of being truncated
     */
    public ValidateAndSplit(
            EvalSplit split, int maxChars, boolean deadLetterLongText, List<String> classes) {
        this.deadLetterLongText = deadLetterLongText;
        this.classes = List.copyOf(classes);
        this.split = split;
        this.maxChars = maxChars;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
        deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(DecodedSample d, Context ctx, Collector<TeacherInput> out) {
        String reason = reasonToReject(d);
        if (reason != null) {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, DeadLetter.of(d, reason));
            return;
        }
        String text = d.text.length() > maxChars ? d.text.substring(0, maxChars) : d.text;
        TeacherInput in =
                new TeacherInput(d.id, text, d.label, split.isEval(d.id), d.partition, d.offset);
        in.topic = d.topic;
        in.eventTime = d.eventTime;
        in.source = d.source;
        out.collect(in);
    }

    private String reasonToReject(DecodedSample d) {
        if (!d.ok()) {
            return d.error;
        }
        if (d.id == null || d.id.isBlank()) {
            return "sample has an empty id";
        }
        if (d.text == null || d.text.isBlank()) {
            return "sample " + d.id + " has empty text";
        }
        if (d.text.indexOf('\uFFFD') >= 0) {
            // Avro decodes malformed UTF-8 to the replacement character instead of failing.
            return "sample " + d.id + " has text that is not valid UTF-8";
        }
        if (deadLetterLongText && d.text.length() > maxChars) {
            return "sample "
                    + d.id
                    + " has "
                    + d.text.length()
                    + " characters, over the limit of "
                    + maxChars;
        }
        if (d.features != null) {
            for (int i = 0; i < d.features.length; i++) {
                if (!Float.isFinite(d.features[i])) {
                    return "sample "
                            + d.id
                            + " has a non-finite feature at index "
                            + i
                            + ": "
                            + d.features[i];
                }
            }
        }
        if (d.label != null && !classes.contains(d.label.trim())) {
            return "sample "
                    + d.id
                    + " has label '"
                    + d.label
                    + "', which is not one of the classes "
                    + classes;
        }
        return null;
    }
}
