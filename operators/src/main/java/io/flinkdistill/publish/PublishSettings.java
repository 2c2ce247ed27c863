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
 * @param pruning how far the published files' FFN is pruned ({@link Pruning})
 */
public record PublishSettings(String storeUri, double margin, int minEvalWindow, Pruning pruning)
        implements Serializable {

    public PublishSettings(String storeUri, double margin, int minEvalWindow) {
        this(storeUri, margin, minEvalWindow, Pruning.off());
    }

    public PublishSettings {
        if (pruning == null) {
            throw new IllegalArgumentException("pruning is missing");
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
