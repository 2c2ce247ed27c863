package io.flinkdistill.codec;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The building blocks of every binary state format (see {@link StateFormat}): length-prefixed float
 * and double arrays, int matrices, string lists, maps of float arrays, string maps and
 * partition-to-long maps.
 */
public final class BinaryCodec {
    private BinaryCodec() {}

    public static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        out.writeInt(v.length);
        for (float f : v) {
            out.writeFloat(f);
        }
    }

    public static float[] readFloats(DataInputStream in) throws IOException {
        float[] v = new float[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }

    public static void writeArrays(DataOutputStream out, Map<String, float[]> arrays)
            throws IOException {
        out.writeInt(arrays.size());
        for (Map.Entry<String, float[]> e : arrays.entrySet()) {
            out.writeUTF(e.getKey());
            writeFloats(out, e.getValue());
        }
    }

    public static Map<String, float[]> readArrays(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.readUTF(), readFloats(in));
        }
        return out;
    }

    public static void writeStrings(DataOutputStream out, Map<String, String> map)
            throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
    }

    public static Map<String, String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.readUTF(), in.readUTF());
        }
        return out;
    }

    public static void writePartitionLongs(DataOutputStream out, Map<Integer, Long> map)
            throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<Integer, Long> e : map.entrySet()) {
            out.writeInt(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    public static Map<Integer, Long> readPartitionLongs(DataInputStream in) throws IOException {
        int n = in.readInt();
        Map<Integer, Long> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put(in.readInt(), in.readLong());
        }
        return out;
    }

    public static void writeDoubles(DataOutputStream out, double[] v) throws IOException {
        out.writeInt(v.length);
        for (double d : v) {
            out.writeDouble(d);
        }
    }

    public static double[] readDoubles(DataInputStream in) throws IOException {
        double[] v = new double[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }

    /** Rows of ints, each length-prefixed, after the row count. */
    public static void writeIntRows(DataOutputStream out, int[][] rows) throws IOException {
        out.writeInt(rows.length);
        for (int[] row : rows) {
            out.writeInt(row.length);
            for (int v : row) {
                out.writeInt(v);
            }
        }
    }

    public static int[][] readIntRows(DataInputStream in) throws IOException {
        int[][] rows = new int[in.readInt()][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = new int[in.readInt()];
            for (int i = 0; i < rows[r].length; i++) {
                rows[r][i] = in.readInt();
            }
        }
        return rows;
    }

    public static void writeStringList(DataOutputStream out, java.util.Collection<String> values)
            throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            out.writeUTF(v);
        }
    }

    public static java.util.List<String> readStringList(DataInputStream in) throws IOException {
        int n = in.readInt();
        java.util.List<String> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(in.readUTF());
        }
        return out;
    }
}
