package io.flinkdistill.teacher;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The attention heads whose maps a student layer learns from: for each mapped teacher layer, the
 * chosen head indices. Version 0 with no heads means "every head" (before enough of the stream has
 * been seen to rank them); each new choice gets the next version.
 */
public record HeadSelection(int version, int[][] heads) implements Serializable {

    public static final HeadSelection ALL = new HeadSelection(0, new int[0][]);

    public boolean allHeads() {
        return heads.length == 0;
    }

    /** Heads of mapped layer {@code l}, or null for all of them. */
    public int[] headsOf(int l) {
        return allHeads() ? null : heads[l];
    }

    /** As provenance shows it, e.g. {@code v2 L5[0,3,7] L11[1,2,4]} with the teacher layers. */
    public String describe(int[] teacherLayers) {
        if (allHeads()) {
            return "v" + version + " all heads";
        }
        StringBuilder sb = new StringBuilder("v").append(version);
        for (int l = 0; l < heads.length; l++) {
            sb.append(" L").append(teacherLayers[l]).append(Arrays.toString(heads[l]));
        }
        return sb.toString().replace(", ", ",");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeadSelection h
                && h.version == version
                && Arrays.deepEquals(h.heads, heads);
    }

    @Override
    public int hashCode() {
        return 31 * version + Arrays.deepHashCode(heads);
    }
}
