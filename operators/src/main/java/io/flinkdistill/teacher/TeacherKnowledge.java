package io.flinkdistill.teacher;

import io.flinkdistill.codec.BinaryCodec;
import io.flinkdistill.codec.StateFormat;
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
    public static final int FORMAT_VERSION = 1;

    private static final StateFormat FORMAT =
            StateFormat.versionOnly("a teacher state", 1, FORMAT_VERSION);

    public byte[] toBytes() {
        return FORMAT.encode(
                out -> {
                    BinaryCodec.writeDoubles(out, fusion);
                    BinaryCodec.writeDoubles(out, entropy);
                    out.writeInt(selectionVersion);
                    BinaryCodec.writeIntRows(out, heads);
                    BinaryCodec.writeStringList(out, appliedCommands);
                });
    }

    public static TeacherKnowledge fromBytes(byte[] state) {
        return FORMAT.decode(
                state,
                (in, version) ->
                        new TeacherKnowledge(
                                BinaryCodec.readDoubles(in),
                                BinaryCodec.readDoubles(in),
                                in.readInt(),
                                BinaryCodec.readIntRows(in),
                                BinaryCodec.readStringList(in)));
    }
}
