package io.flinkdistill.training;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The building blocks of the trainer's binary formats ({@link TrainerState}, {@link StudentFile}):
 * length-prefixed float arrays and maps of them, string maps and partition-to-long maps.
 */
final class BinaryCodec {
    private BinaryCodec() {}

    /** Reads a magic number and format version, failing unless they are the expected ones. */
    static void readHeader(DataInputStream in, int magic, int version, String what)
            throws IOException {
        int m = in.readInt();
        int v = in.readInt();
        if (m != magic || v != version) {
            throw new IllegalStateException(
                    "not "
                            + what
                            + " of format version "
                            + version
                            + " (magic "
                            + Integer.toHexString(m)
                            + ", version "
                            + v
                            + ")");
        }
    }

    static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        for (float f : v) {
            out.writeFloat(f);
        }
    }

    static float[] readFloats(DataInputStream in) throws IOException {
        float[] v = new float[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }

    static void writeArrays(DataOutputStream out, Map<String, float[]> arrays) throws IOException {
        out.writeInt(arrays.size());
        for (Map.Entry<String, float[]> e : arrays.entrySet()) {
            out.writeUTF(e.getKey());
            writeFloats(out, e.getValue());
        }
    }

    static Map<String, float[]> readArrays(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.readUTF(), readFloats(in));
        }
        return out;
    }

    static void writeStrings(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    static Map<String, String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.readUTF(), in.readUTF());
        }
        return out;
    }

    static void writePartitionLongs(DataOutputStream out, Map<Integer, Long> map)
            throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<Integer, Long> e : map.entrySet()) {
            out.writeInt(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    static Map<Integer, Long> readPartitionLongs(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<Integer, Long> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.readInt(), in.readLong());
        }
        return out;
    }
}
