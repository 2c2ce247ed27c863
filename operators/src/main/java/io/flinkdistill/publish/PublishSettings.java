package io.flinkdistill.publish;

import java.io.Serializable;

/**
 * When and where the trainer publishes student versions.
 *
 * @param storeUri the {@link ModelStore} location (any Flink FileSystem URI), or null to publish
 *     nothing
 * @param margin a version is published only when its eval agreement beats the last published one's
 *     by at least this much
 * @param minEvalWindow and only when it was measured on at least this many eval samples
 * @param pruneThreshold FFN neurons whose mean absolute incoming weight is below this are removed
 *     from the published files (0: none; see {@link io.flinkdistill.export.FfnPruning})
 */
public record PublishSettings(
        String storeUri, double margin, int minEvalWindow, double pruneThreshold)
        implements Serializable {

    public PublishSettings(String storeUri, double margin, int minEvalWindow) {
        this(storeUri, margin, minEvalWindow, 0);
    }

    public PublishSettings {
        if (!(pruneThreshold >= 0) || Double.isInfinite(pruneThreshold)) {
            throw new IllegalArgumentException(
                    "prune threshold must be >= 0, got " + pruneThreshold);
        }
        if (!(margin >= -1) || margin >= 1 || minEvalWindow < 1) {
            throw new IllegalArgumentException(
                    "publish margin must be in [-1, 1) and min eval window >= 1, got "
                            + margin
                            + " and "
                            + minEvalWindow);
        }
    }

    public static PublishSettings off() {
        return new PublishSettings(null, 0.01, 100);
    }

    public boolean enabled() {
        return storeUri != null;
    }
}
