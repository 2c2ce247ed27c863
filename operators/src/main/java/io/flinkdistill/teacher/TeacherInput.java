package io.flinkdistill.teacher;

/**
 * A decoded sample on its way to the teacher, tagged with its slice (train or eval) and its Kafka
 * coordinates. A Flink POJO.
 */
public class TeacherInput {
    public String id;
    public String text;

    /** Gold label as written on the stream (class name or number), or null. */
    public String label;

    public boolean eval;

    /** Kafka coordinates of the record the sample came from. */
    public String topic;

    public int partition;
    public long offset;

    /** When the sample happened, in ms since the epoch (its event time, else the record's time). */
    public long eventTime;

    /**
     * Outside the teacher budget: the teacher does not score it, the trainer counts it as skipped.
     */
    public boolean skipped;

    /** Where the sample comes from (TrainingSample {@code source}, else its topic), or null. */
    public String source;

    /**
     * The student the sample trains, set by the job's routing; null: the teacher settings' student.
     */
    public String student;

    /** A variant of a training sample made for the teacher to score (augmentation), unlabelled. */
    public boolean augmented;

    public TeacherInput() {}

    public TeacherInput(
            String id, String text, String label, boolean eval, int partition, long offset) {
        this.id = id;
        this.text = text;
        this.label = label;
        this.eval = eval;
        this.partition = partition;
        this.offset = offset;
    }
}
