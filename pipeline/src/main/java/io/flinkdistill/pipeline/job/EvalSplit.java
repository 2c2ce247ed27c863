package io.flinkdistill.pipeline.job;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Assigns each sample to the eval or the train slice by a hash of its id: stable across runs,
 * restarts and parallelism, so a sample is always in the same slice.
 */
public final class EvalSplit implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int BUCKETS = 10_000;

    private final int evalBuckets;

    public EvalSplit(double evalFraction) {
        if (!(evalFraction > 0 && evalFraction < 1)) {
            throw new IllegalArgumentException(
                    "eval-fraction must be in (0, 1), got " + evalFraction);
        }
        this.evalBuckets = (int) Math.round(evalFraction * BUCKETS);
    }

    public boolean isEval(String id) {
        return bucket(id) < evalBuckets;
    }

    /** FNV-1a over the UTF-8 bytes, then a final avalanche; the same on every JVM. */
    static int bucket(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        h ^= (h >>> 33);
        h *= 0xff51afd7ed558ccdL;
        h ^= (h >>> 33);
        return (int) Long.remainderUnsigned(h, BUCKETS);
    }
}
