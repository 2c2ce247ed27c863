package io.flinkdistill.serving;

import io.flinkdistill.publish.ModelStore;
import io.flinkdistill.schemas.DeferralPoint;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.teacher.ModelSource;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newest published version of one student, swapped in while serving: an offered model event is
 * taken only if it is for this student and format and newer than the one served; its file is read,
 * its sha256 checked against the event before anything is loaded, and the swap waits for
 * predictions in flight, which never see a half-loaded model.
 */
public final class HotSwapModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HotSwapModel.class);

    private final String student;
    private final String format;
    private final int threads;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private OnnxStudent current;
    private long version;
    private List<DeferralPoint> curve = List.of();
    private java.util.Map<String, List<DeferralPoint>> benchmarkCurves = java.util.Map.of();

    /**
     * A prediction, the version that made it, and that version's deferral curve (empty when its
     * event carried none).
     */
    public record Prediction(
            long version,
            List<String> classes,
            float[][] probabilities,
            List<DeferralPoint> curve,
            java.util.Map<String, List<DeferralPoint>> benchmarkCurves) {}

    public HotSwapModel(String student, String format, int threads) {
        this.student = student;
        this.format = format;
        this.threads = threads;
    }

    /**
     * Considers a model event; returns whether the served model changed. A file whose sha256 does
     * not match the event is refused with an exception, and the served model stays.
     */
    public boolean offer(StudentModelPublished e) throws IOException {
        if (!e.getStudent().equals(student)
                || !e.getFormat().equals(format)
                || e.getVersion() <= version()) {
            return false;
        }
        byte[] bytes = ModelSource.read(e.getUri());
        String sha = ModelStore.sha256(bytes);
        if (!sha.equals(e.getSha256())) {
            throw new IOException(
                    "Refusing "
                            + e.getUri()
                            + ": its sha256 is "
                            + sha
                            + " but the event says "
                            + e.getSha256());
        }
        OnnxStudent next = OnnxStudent.open(bytes, threads);
        OnnxStudent old;
        lock.writeLock().lock();
        try {
            if (e.getVersion() <= version) {
                old = next; // a newer one got in first
            } else {
                old = current;
                current = next;
                version = e.getVersion();
                curve = List.copyOf(e.getDeferralCurve());
                java.util.Map<String, List<DeferralPoint>> sets = new java.util.TreeMap<>();
                e.getBenchmarkDeferralCurves()
                        .forEach((k, v) -> sets.put(k.toString(), List.copyOf(v)));
                benchmarkCurves = sets;
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (old != null) {
            old.close();
        }
        if (old != next) {
            LOG.info("Serving {} v{} ({})", student, e.getVersion(), e.getUri());
        }
        return old != next;
    }

    /** The version served now, 0 before the first. */
    public long version() {
        lock.readLock().lock();
        try {
            return version;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Predicts with the version served now; null when none has arrived yet. */
    public Prediction predict(List<String> texts) {
        lock.readLock().lock();
        try {
            if (current == null) {
                return null;
            }
            return new Prediction(
                    version, current.classes(), current.predict(texts), curve, benchmarkCurves);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (current != null) {
                current.close();
                current = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
