package io.flinkdistill.training;

import io.flinkdistill.student.StudentConfig;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A saved student: its config, provenance and weights in one file, written atomically (temporary
 * name, then rename) so that a reader never sees half a model. ONNX export comes on top of this.
 */
public final class StudentFile {
    private static final int MAGIC = 0x5354554e; // "STUN"
    private static final int VERSION = 3;

    private StudentFile() {}

    public record Loaded(
            StudentConfig config,
            Map<String, float[]> weights,
            long step,
            long samplesTrained,
            Map<String, String> provenance) {}

    public static void write(
            Path file,
            StudentConfig c,
            Map<String, float[]> weights,
            long step,
            long samplesTrained,
            Map<String, String> provenance)
            throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out =
                new DataOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(c.vocabSize());
            out.writeInt(c.embedDim());
            out.writeInt(c.hidden());
            out.writeInt(c.layers());
            out.writeInt(c.heads());
            out.writeInt(c.ffn());
            out.writeInt(c.maxTokens());
            out.writeInt(c.numClasses());
            out.writeInt(c.teacherDim());
            out.writeFloat(c.dropout());
            out.writeLong(c.seed());
            out.writeLong(step);
            out.writeLong(samplesTrained);
            BinaryCodec.writeStrings(out, provenance);
            BinaryCodec.writeArrays(out, weights);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Loaded read(Path file) throws IOException {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IOException(
                        file + " is not a flink-distill student file (version " + VERSION + ")");
            }
            StudentConfig c =
                    new StudentConfig(
                            in.readInt(),
                            in.readInt(),
                            in.readInt(),
                            in.readInt(),
                            in.readInt(),
                            in.readInt(),
                            in.readInt(),
                            in.readInt(),
                            in.readInt(),
                            in.readFloat(),
                            in.readLong());
            long step = in.readLong();
            long samplesTrained = in.readLong();
            Map<String, String> provenance = BinaryCodec.readStrings(in);
            Map<String, float[]> weights = BinaryCodec.readArrays(in);
            return new Loaded(c, weights, step, samplesTrained, provenance);
        }
    }
}
