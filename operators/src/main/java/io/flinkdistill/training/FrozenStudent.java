package io.flinkdistill.training;

import io.flinkdistill.codec.BinaryCodec;
import io.flinkdistill.codec.StateFormat;
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
    private static final StateFormat FORMAT =
            StateFormat.tagged("a frozen student", 0x46525a4e /* "FRZN" */, 1, 1);

    public FrozenStudent {
        weights = Map.copyOf(weights);
    }

    public byte[] toBytes() {
        return FORMAT.encode(
                out -> {
                    out.writeLong(samplesTrained);
                    BinaryCodec.writeArrays(out, new java.util.TreeMap<>(weights));
                });
    }

    public static FrozenStudent fromBytes(byte[] data) {
        return FORMAT.decode(
                data,
                (in, version) -> new FrozenStudent(in.readLong(), BinaryCodec.readArrays(in)));
    }
}
