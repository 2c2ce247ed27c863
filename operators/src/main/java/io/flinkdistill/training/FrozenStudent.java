package io.flinkdistill.training;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * A copy of a student's weights taken once, at a given number of samples trained, and never trained
 * again: the "what if we had stopped here" line next to the continuous student on the benchmark
 * sets. Its checkpoint format (version 1): magic, version, samples trained at the copy, then the
 * weights by name.
 *
 * @param samplesTrained samples the student had learned from when it was copied
 * @param weights the copied weights, by parameter name
 */
public record FrozenStudent(long samplesTrained, Map<String, float[]> weights) {
    private static final int MAGIC = 0x46525a4e; // "FRZN"
    private static final int VERSION = 1;

    public FrozenStudent {
        weights = Map.copyOf(weights);
    }

    public byte[] toBytes() {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(samplesTrained);
            BinaryCodec.writeArrays(out, new java.util.TreeMap<>(weights));
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a frozen student", e);
        }
    }

    public static FrozenStudent fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            BinaryCodec.readHeader(in, MAGIC, VERSION, "a frozen student");
            return new FrozenStudent(in.readLong(), BinaryCodec.readArrays(in));
        } catch (IOException e) {
            throw new IllegalStateException("cannot decode a frozen student", e);
        }
    }
}
