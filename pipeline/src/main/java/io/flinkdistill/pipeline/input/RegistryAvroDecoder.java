package io.flinkdistill.pipeline.input;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Avro in the Confluent wire format: byte 0 is 0, bytes 1-4 the writer schema's id (big-endian),
 * the rest the Avro binary body. The schema comes from the registry; text, label and id are read at
 * the mapping's field paths of the decoded record.
 */
final class RegistryAvroDecoder implements RecordDecoder {
    private final TopicInput input;
    private final SchemaRegistryClient registry;

    RegistryAvroDecoder(TopicInput input, SchemaRegistryClient registry) {
        this.input = input;
        this.registry =
                Objects.requireNonNull(registry, "avro-registry needs --schema-registry-url");
    }

    /** The schema id of a record in the wire format. */
    static int schemaId(byte[] value) throws BadRecordException {
        if (value.length < 5 || value[0] != 0) {
            throw new BadRecordException(
                    "not in the schema registry wire format (magic byte 0 and a 4-byte schema id"
                            + (value.length == 0
                                    ? "; the value is empty)"
                                    : "; first byte is " + value[0] + ")"));
        }
        return ByteBuffer.wrap(value, 1, 4).getInt();
    }

    @Override
    public SampleFields decode(byte[] value) throws BadRecordException {
        int id = schemaId(value);
        Schema schema = registry.schema(id);
        if (schema.getType() != Schema.Type.RECORD) {
            throw new BadRecordException(
                    "schema id " + id + " is a " + schema.getType() + ", not a record");
        }
        GenericRecord record;
        try {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null);
            record = new GenericDatumReader<GenericRecord>(schema).read(null, in);
            if (!in.isEnd()) {
                throw new BadRecordException(
                        "Avro body has bytes left over after a record of schema id " + id);
            }
        } catch (BadRecordException e) {
            throw e;
        } catch (Exception | StackOverflowError e) {
            throw new BadRecordException(
                    "Avro body does not decode with schema id "
                            + id
                            + ": "
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage());
        }
        return new SampleFields(
                FieldValues.id(input.id().find(record), input.id()),
                FieldValues.text(input.text().find(record), input.text()),
                FieldValues.label(input.label().find(record), input.label()),
                null);
    }
}
