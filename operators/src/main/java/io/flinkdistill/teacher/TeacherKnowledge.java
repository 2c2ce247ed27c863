package io.flinkdistill.teacher;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one teacher subtask has learned and checkpoints (as union operator state, so that every
 * subtask resumes with all of it): the fusion statistics, the attention-entropy sums, the head
 * selection, and the ids of applied control commands. Binary format 1: an int format number, then
 * each part length-prefixed.
 */
public record TeacherKnowledge(
        double[] fusion,
        double[] entropy,
        int selectionVersion,
        int[][] heads,
        List<String> appliedCommands) {

    /** The format this code writes (and the only one it reads). */
    public static final int FORMAT = 1;

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            writeDoubles(out, fusion);
            writeDoubles(out, entropy);
            out.writeInt(selectionVersion);
            out.writeInt(heads.length);
            for (int[] layer : heads) {
                out.writeInt(layer.length);
                for (int h : layer) {
                    out.writeInt(h);
                }
            }
            out.writeInt(appliedCommands.size());
            for (String id : appliedCommands) {
                out.writeUTF(id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static TeacherKnowledge fromBytes(byte[] state) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IOException(
                        "Teacher state of format " + format + "; this version reads " + FORMAT);
            }
            double[] fusion = readDoubles(in);
            double[] entropy = readDoubles(in);
            int version = in.readInt();
            int[][] heads = new int[in.readInt()][];
            for (int l = 0; l < heads.length; l++) {
                heads[l] = new int[in.readInt()];
                for (int h = 0; h < heads[l].length; h++) {
                    heads[l][h] = in.readInt();
                }
            }
            int commands = in.readInt();
            List<String> ids = new ArrayList<>(commands);
            for (int i = 0; i < commands; i++) {
                ids.add(in.readUTF());
            }
            return new TeacherKnowledge(fusion, entropy, version, heads, ids);
        }
    }

    private static void writeDoubles(DataOutputStream out, double[] values) throws IOException {
        out.writeInt(values.length);
        for (double v : values) {
            out.writeDouble(v);
        }
    }

    private static double[] readDoubles(DataInputStream in) throws IOException {
        double[] v = new double[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }
}
