package io.flinkdistill.pipeline.cli;

import java.io.IOException;
import java.util.Optional;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Finds the newest complete checkpoint or savepoint under a checkpoint directory, so that a
 * restarted {@code distill run} continues its student instead of training a new one. Flink writes
 * retained checkpoints as {@code DIR/<job id>/chk-<n>/_metadata} (a new job id each start) and
 * savepoints as {@code DIR/savepoints/savepoint-*}/_metadata}; a folder without {@code _metadata}
 * is a checkpoint that never completed and is skipped.
 */
final class RetainedCheckpoints {
    private RetainedCheckpoints() {}

    /** A restorable checkpoint: its folder and when its metadata was written. */
    record Found(String path, long modifiedMillis) {}

    /** The newest restorable checkpoint or savepoint under {@code dir}, if any. */
    static Optional<Found> newest(String dir) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return Optional.empty();
        }
        Found best = null;
        for (FileStatus job : list(fs, root)) {
            if (!job.isDir()) {
                continue;
            }
            for (FileStatus chk : list(fs, job.getPath())) {
                String name = chk.getPath().getName();
                if (!chk.isDir() || !(name.startsWith("chk-") || name.startsWith("savepoint-"))) {
                    continue;
                }
                Path metadata = new Path(chk.getPath(), "_metadata");
                if (!fs.exists(metadata)) {
                    continue;
                }
                long modified = fs.getFileStatus(metadata).getModificationTime();
                if (best == null || modified > best.modifiedMillis()) {
                    best = new Found(chk.getPath().toUri().toString(), modified);
                }
            }
        }
        return Optional.ofNullable(best);
    }

    private static FileStatus[] list(FileSystem fs, Path dir) throws IOException {
        FileStatus[] entries = fs.listStatus(dir);
        return entries == null ? new FileStatus[0] : entries;
    }
}
