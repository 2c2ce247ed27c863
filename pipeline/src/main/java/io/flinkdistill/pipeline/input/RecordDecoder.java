package io.flinkdistill.pipeline.input;

/** Turns the value of one record into sample fields, or says why it cannot. */
public interface RecordDecoder {
    /**
     * @throws BadRecordException when the record is not a usable sample (its message is the
     *     dead-letter reason); any other exception is a failure of the job, not of the record
     */
    SampleFields decode(byte[] value) throws BadRecordException;

    /** The decoder for one topic's mapping; the registry client is shared, null if not needed. */
    static RecordDecoder of(TopicInput input, SchemaRegistryClient registry) {
        return switch (input.format()) {
            case AVRO_TRAINING_SAMPLE -> new AvroSampleDecoder();
            case JSON -> new JsonRecordDecoder(input);
            case TEXT -> new TextRecordDecoder();
            case AVRO_REGISTRY -> new RegistryAvroDecoder(input, registry);
        };
    }
}
