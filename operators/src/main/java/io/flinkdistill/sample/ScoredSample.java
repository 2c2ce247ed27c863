package io.flinkdistill.sample;

import io.flinkdistill.loss.Logits;
import java.io.Serializable;

/**
 * A sample after the teacher has seen it: the token ids (student and teacher share the tokenizer),
 * the teacher's logits and pooled features, the gold label if any, and whether the sample belongs
 * to the eval slice. A Flink POJO: public fields and a no-argument constructor.
 */
public class ScoredSample implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Student this sample is routed to (the trainer's key). */
    public String student;

    public String id;
    public int[] tokens;

    /** Gold class index, or -1 when the sample is unlabelled. */
    public int label = -1;

    public float[] teacherLogits;
    public float[] teacherFeatures;

    /**
     * The teacher's head-averaged attention maps of the layers mapped to the student's layers: for
     * each, n x n with n = {@code tokens.length}, row-major, concatenated; empty when the teacher
     * does not send them.
     */
    public float[] teacherAttention = new float[0];

    /** Each teacher's predicted class, in the job's teacher order (one entry without fusion). */
    public int[] teacherVotes = new int[0];

    /** The fusion weights in use when this sample was scored (not stored in trainer state). */
    public float[] teacherWeights = new float[0];

    /**
     * The attention heads the maps above average, as the teacher's head selection describes them
     * (e.g. {@code v2 L5[0,3]}; not stored in trainer state).
     */
    public String attentionHeads = "";

    public boolean eval;
    public int partition;
    public long offset;

    /**
     * Event time of the sample in ms since the epoch, 0 when unknown (not kept in trainer state).
     */
    public long eventTime;

    /**
     * Skipped by the teacher budget: carries only its id, coordinates and event time, so that the
     * trainer counts it exactly once; never trained on.
     */
    public boolean skipped;

    /**
     * A variant of a training sample made for the teacher to score (augmentation): trained on,
     * counted apart from the stream's samples, never labelled.
     */
    public boolean augmented;

    public ScoredSample() {}

    /** The record of a sample the teacher budget skipped. */
    public static ScoredSample skipped(
            String student, String id, int partition, long offset, long eventTime) {
        ScoredSample s = new ScoredSample();
        s.student = student;
        s.id = id;
        s.tokens = new int[0];
        s.teacherLogits = new float[0];
        s.teacherFeatures = new float[0];
        s.partition = partition;
        s.offset = offset;
        s.eventTime = eventTime;
        s.skipped = true;
        return s;
    }

    public boolean labelled() {
        return label >= 0;
    }

    public int teacherClass() {
        return Logits.argmax(teacherLogits);
    }
}
