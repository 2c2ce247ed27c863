package io.flinkdistill.training;

import io.flinkdistill.codec.BinaryCodec;
import io.flinkdistill.codec.StateFormat;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.student.StudentConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A saved student: its config, provenance and weights in one file, written atomically (temporary
 * name, then rename) so that a reader never sees half a model. ONNX export comes on top of this.
 * Version 4 adds the student's family and kernel; a version-3 file holds a transformer.
 */
public final class StudentFile {
    private static final StateFormat FORMAT =
            StateFormat.tagged("a flink-distill student file", 0x5354554e /* "STUN" */, 3, 4);

    private StudentFile() {}

    public record Loaded(
            StudentConfig config,
            Map<String, float[]> weights,
            long step,
            long samplesTrained,
            Provenance provenance) {}

    public static void write(
            Path file,
            StudentConfig c,
            Map<String, float[]> weights,
            long step,
            long samplesTrained,
            Provenance provenance)
            throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (java.io.OutputStream stream = Files.newOutputStream(tmp)) {
            FORMAT.encode(
                    stream,
                    out -> {
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
                        out.writeUTF(c.family().label());
                        out.writeInt(c.kernel());
                        out.writeLong(step);
                        out.writeLong(samplesTrained);
                        BinaryCodec.writeStrings(out, provenance.entries());
                        BinaryCodec.writeArrays(out, weights);
                    });
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Loaded read(Path file) throws IOException {
        try (java.io.InputStream stream = Files.newInputStream(file)) {
            return FORMAT.decode(stream, StudentFile::read);
        } catch (StateFormat.UnreadableHeader e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Loaded read(DataInputStream in, int version) throws IOException {
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
        if (version >= 4) {
            c = c.withFamily(StudentConfig.Family.of(in.readUTF()), in.readInt());
        }
        long step = in.readLong();
        long samplesTrained = in.readLong();
        Provenance provenance = Provenance.of(BinaryCodec.readStrings(in));
        Map<String, float[]> weights = BinaryCodec.readArrays(in);
        return new Loaded(c, weights, step, samplesTrained, provenance);
    }
}
