package io.flinkdistill.pipeline.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** File-tree helpers of the commands. */
final class Directories {
    private Directories() {}

    /** Deletes a directory and everything under it; nothing when it does not exist. */
    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
