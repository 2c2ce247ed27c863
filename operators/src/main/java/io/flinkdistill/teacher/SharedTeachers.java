package io.flinkdistill.teacher;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One ONNX Runtime session per model configuration per JVM: the teacher subtasks of a job that run
 * in the same TaskManager (its slots share the job's class loader) share one opened teacher instead
 * of loading the model once per slot. Reference-counted: the last {@link Lease#close()} closes it.
 * Inference on a shared teacher is safe from several threads: ONNX Runtime sessions and the
 * HuggingFace tokenizer are thread-safe, and per-call state (head selection, entropy) is passed in.
 */
public final class SharedTeachers {
    private static final Map<String, Entry> OPEN = new HashMap<>();

    private SharedTeachers() {}

    /** A way to open a teacher when none is open for the key. */
    @FunctionalInterface
    public interface Opener {
        OnnxTeacher open() throws IOException;
    }

    /** A use of a shared teacher; close it exactly once. */
    public static final class Lease implements AutoCloseable {
        private final String key;
        private final OnnxTeacher teacher;
        private boolean closed;

        private Lease(String key, OnnxTeacher teacher) {
            this.key = key;
            this.teacher = teacher;
        }

        public OnnxTeacher teacher() {
            return teacher;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(key);
            }
        }
    }

    private static final class Entry {
        final OnnxTeacher teacher;
        int users;

        Entry(OnnxTeacher teacher) {
            this.teacher = teacher;
        }
    }

    /** The shared teacher for {@code key}, opened by {@code opener} if it is not open yet. */
    public static synchronized Lease acquire(String key, Opener opener) throws IOException {
        Entry e = OPEN.get(key);
        if (e == null) {
            e = new Entry(opener.open());
            OPEN.put(key, e);
        }
        e.users++;
        return new Lease(key, e.teacher);
    }

    private static synchronized void release(String key) {
        Entry e = OPEN.get(key);
        if (e != null && --e.users == 0) {
            OPEN.remove(key);
            e.teacher.close();
        }
    }

    /** How many distinct teachers are open now (tests, metrics). */
    public static synchronized int openCount() {
        return OPEN.size();
    }

    /** A key naming everything that shapes a teacher's session and outputs. */
    public static String key(
            TeacherSpec spec,
            LinearHead head,
            int maxTokens,
            int threads,
            int studentLayers,
            boolean averageInGraph) {
        String headPart =
                head == null
                        ? "no-head"
                        : head.encoder
                                + head.classes
                                + Arrays.deepHashCode(head.weights)
                                + "/"
                                + Arrays.hashCode(head.bias);
        return String.join(
                "|",
                spec.toString(),
                headPart,
                Integer.toString(maxTokens),
                Integer.toString(threads),
                Integer.toString(studentLayers),
                Boolean.toString(averageInGraph));
    }
}
