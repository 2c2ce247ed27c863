package io.flinkdistill.selection;

import java.util.Arrays;

/**
 * The most recent student margins, and the margin below which a given share of them falls: the
 * threshold that keeps an uncertainty policy at its share as the student (and the stream) change.
 */
final class MarginWindow {
    private final double[] ring;
    private int size;
    private int next;
    private double[] sorted = new double[0];
    private int sinceSort;

    MarginWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        ring = new double[capacity];
    }

    void add(double margin) {
        ring[next] = margin;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
        sinceSort++;
    }

    int size() {
        return size;
    }

    /**
     * The margin at quantile {@code share} of the window (the largest margin still selected when
     * that share is); re-sorted every 32 additions, and at once while the window fills.
     */
    double quantile(double share) {
        if (size == 0) {
            return Double.NaN;
        }
        if (sinceSort >= 32 || sorted.length != size) {
            sorted = Arrays.copyOf(ring, size);
            Arrays.sort(sorted);
            sinceSort = 0;
        }
        int k = (int) Math.ceil(share * sorted.length) - 1;
        return k < 0 ? Double.NEGATIVE_INFINITY : sorted[Math.min(k, sorted.length - 1)];
    }
}
