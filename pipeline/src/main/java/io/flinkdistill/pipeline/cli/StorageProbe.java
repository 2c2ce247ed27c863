package io.flinkdistill.pipeline.cli;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Proves a folder of any Flink file system writable by creating it, writing a probe file and
 * deleting it: at start-up for {@code --checkpoint-dir}, and when checkpoints fail, to name the
 * cause that Flink's checkpoint statistics leave out ("IO-problem detected").
 */
final class StorageProbe {
    private StorageProbe() {}

    /** Throws what went wrong when {@code dir} cannot be created or written. */
    static void write(Path dir) throws IOException {
        FileSystem fs = dir.getFileSystem();
        if (!fs.mkdirs(dir)) {
            throw new IOException("could not create the folder " + dir);
        }
        Path probe = new Path(dir, ".distill-write-probe");
        try (OutputStream out = fs.create(probe, FileSystem.WriteMode.OVERWRITE)) {
            out.write(1);
        }
        fs.delete(probe, false);
    }

    /** Null when {@code dir} is writable, else what went wrong. */
    static String problem(Path dir) {
        try {
            write(dir);
            return null;
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }
}
