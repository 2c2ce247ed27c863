package io.flinkdistill.pipeline.input;

/**
 * What a decoder found in one record.
 *
 * @param id the record's own id, or null (the caller then uses its coordinates)
 * @param label the gold label as text, or null for an unlabelled sample
 * @param features dense features, or null
 * @param eventTime when the sample happened (ms since the epoch), 0 when the record does not say
 * @param source where the sample comes from as the record says (TrainingSample {@code source}), or
 *     null (the caller then uses the topic)
 */
public record SampleFields(
        String id, String text, String label, float[] features, long eventTime, String source) {

    /** Without a source of its own (the topic stands in). */
    public SampleFields(String id, String text, String label, float[] features, long eventTime) {
        this(id, text, label, features, eventTime, null);
    }

    /** Without an event time of its own (the record's timestamp stands in). */
    public SampleFields(String id, String text, String label, float[] features) {
        this(id, text, label, features, 0);
    }
}
