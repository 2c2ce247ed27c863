package io.flinkdistill.publish;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkdistill.provenance.Provenance;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Versioned students at any Flink FileSystem URI: {@code student-<name>-v<version>.onnx} (fp32),
 * {@code student-<name>-v<version>.int8.onnx} and {@code student-<name>-v<version>.json} (format,
 * sha256 and size of each file, metrics, provenance). Every file is written under a temporary name
 * and renamed into place, the metadata last, so a version is visible only once complete (on file
 * systems whose rename is atomic: local, HDFS; object stores copy).
 */
public final class ModelStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERSIONED = Pattern.compile("student-(.+)-v(\\d+)\\.json");
    private static final Pattern ANY_FILE =
            Pattern.compile("student-(.+)-v(\\d+)\\.(?:json|onnx|int8\\.onnx)");

    private final Path base;

    public ModelStore(String uri) {
        this.base = new Path(uri);
    }

    /** One stored file of a version. */
    public record StoredFile(String uri, String format, String sha256, long sizeBytes) {}

    /** What a published version consists of. */
    public record Published(String student, long version, StoredFile fp32, StoredFile int8) {}

    /** The highest complete version of a student in the store, 0 when there is none. */
    public long latestVersion(String student) throws IOException {
        return highest(student, VERSIONED);
    }

    /**
     * The highest version number any file of a student in the store carries, complete or not. A
     * writer killed between a version's files leaves that version without its metadata; {@link
     * #latestVersion} does not count it, but its number is taken (files are never overwritten), so
     * the next version must come after this one.
     */
    public long highestVersionUsed(String student) throws IOException {
        return highest(student, ANY_FILE);
    }

    private long highest(String student, Pattern files) throws IOException {
        FileSystem fs = base.getFileSystem();
        FileStatus[] listing = fs.exists(base) ? fs.listStatus(base) : null;
        long highest = 0;
        for (FileStatus f : listing == null ? new FileStatus[0] : listing) {
            Matcher m = files.matcher(f.getPath().getName());
            if (m.matches() && m.group(1).equals(student)) {
                highest = Math.max(highest, Long.parseLong(m.group(2)));
            }
        }
        return highest;
    }

    /**
     * The number the next version of a student gets: after the last one its writer checkpointed and
     * after every number already used in the store, so that a restart which replays steps after a
     * publication, or follows a writer killed between a version's files, never reuses one.
     */
    public long nextVersion(String student, long checkpointed) throws IOException {
        return Math.max(checkpointed, highestVersionUsed(student)) + 1;
    }

    /** Writes a version's files atomically, metadata last. */
    public Published publish(
            String student,
            long version,
            byte[] fp32,
            byte[] int8,
            Map<String, Double> metrics,
            Provenance provenance)
            throws IOException {
        String stem = "student-" + student + "-v" + version;
        StoredFile a = write(stem + ".onnx", fp32, "onnx-fp32");
        StoredFile b = write(stem + ".int8.onnx", int8, "onnx-int8");
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("student", student);
        meta.put("version", version);
        meta.put("files", java.util.List.of(a, b));
        meta.put("metrics", metrics);
        meta.put("provenance", provenance.entries());
        write(
                stem + ".json",
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta),
                "json");
        return new Published(student, version, a, b);
    }

    private StoredFile write(String name, byte[] bytes, String format) throws IOException {
        FileSystem fs = base.getFileSystem();
        fs.mkdirs(base);
        Path target = new Path(base, name);
        Path tmp = new Path(base, "." + name + "." + UUID.randomUUID() + ".tmp");
        try (OutputStream out = fs.create(tmp, FileSystem.WriteMode.NO_OVERWRITE)) {
            out.write(bytes);
        }
        if (fs.exists(target)) {
            fs.delete(tmp, false);
            throw new IOException(target + " exists already; versions are never overwritten");
        }
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, false);
            throw new IOException("Could not move " + tmp + " to " + target);
        }
        return new StoredFile(target.toUri().toString(), format, sha256(bytes), bytes.length);
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
