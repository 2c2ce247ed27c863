package io.flinkdistill.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The wire form of every record on the flink-distill topics: Avro single-object encoding (a
 * two-byte marker and the writer schema's fingerprint, then the binary record).
 */
public final class AvroBytes {
    private AvroBytes() {}

    /** Encodes a generated record, e.g. {@code AvroBytes.encode(sample::toByteBuffer)}. */
    public static byte[] encode(Encoder encoder) {
        try {
            ByteBuffer buf = encoder.toByteBuffer();
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not encode an Avro record", e);
        }
    }

    /** The {@code toByteBuffer} method every generated record has. */
    @FunctionalInterface
    public interface Encoder {
        ByteBuffer toByteBuffer() throws IOException;
    }
}
