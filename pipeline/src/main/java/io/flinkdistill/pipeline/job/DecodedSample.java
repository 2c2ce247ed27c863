package io.flinkdistill.pipeline.job;

/**
 * A record read from the samples topic: either a decoded sample or the reason it could not be
 * decoded, always with its Kafka coordinates. A Flink POJO.
 */
public class DecodedSample {
    public String topic;
    public int partition;
    public long offset;

    public String id;
    public String text;
    public String label;

    /** When the sample happened (ms since the epoch): its own event time, else the record's. */
    public long eventTime;

    /** Where the sample comes from: its TrainingSample {@code source}, else its topic. */
    public String source;

    /** Dense features as sent, or null. */
    public float[] features;

    /** Why the record is unusable, or null when it decoded. */
    public String error;

    /** The raw record value, kept only for undecodable records (for the dead-letter topic). */
    public byte[] raw;

    public DecodedSample() {}

    public boolean ok() {
        return error == null;
    }
}
