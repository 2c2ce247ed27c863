package io.flinkdistill.pipeline.input;

/**
 * What a decoder found in one record.
 *
 * @param id the record's own id, or null (the caller then uses its coordinates)
 * @param label the gold label as text, or null for an unlabelled sample
 * @param features dense features, or null
 */
public record SampleFields(String id, String text, String label, float[] features) {}
