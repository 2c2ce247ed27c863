package io.flinkdistill.teacher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Reads model and tokenizer files named by a location: {@code classpath:/x.onnx} (inside a jar on
 * the classpath), any URI with a scheme Flink has a file system for ({@code file:}, {@code hdfs:},
 * {@code s3:}, ...), or a plain local path.
 */
public final class ModelSource {
    /** Prefix of a location inside the classpath. */
    public static final String CLASSPATH = "classpath:";

    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]+:.*");

    private ModelSource() {}

    /** The whole file at {@code location}; the error names the location and what went wrong. */
    public static byte[] read(String location) throws IOException {
        try (InputStream in = open(location)) {
            return in.readAllBytes();
        }
    }

    public static InputStream open(String location) throws IOException {
        if (location == null || location.isBlank()) {
            throw new IOException("no location given");
        }
        if (location.startsWith(CLASSPATH)) {
            String name = location.substring(CLASSPATH.length());
            InputStream in =
                    ModelSource.class.getResourceAsStream(name.startsWith("/") ? name : "/" + name);
            if (in == null) {
                throw new IOException(location + " is not on the classpath");
            }
            return in;
        }
        if (SCHEME.matcher(location).matches()) {
            org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(location);
            try {
                return path.getFileSystem().open(path);
            } catch (IOException e) {
                throw new IOException("cannot read " + location + ": " + e.getMessage(), e);
            }
        }
        Path file = Path.of(location);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such file: " + file.toAbsolutePath());
        }
        return Files.newInputStream(file);
    }

    /** Whether {@code location} can be opened now (used by start-up checks). */
    public static void check(String location) throws IOException {
        open(location).close();
    }
}
