package io.flinkdistill.sample;

import java.nio.charset.StandardCharsets;

/**
 * The hash of a sample id that the pipeline draws and digests by: teacher-budget and random
 * selection draw by it (so a replay draws the same), and a trainer sums it over the ids it trained
 * (an order-free digest that a duplicate or a loss changes).
 */
public final class SampleIds {
    private SampleIds() {}

    /** A 64-bit hash of a sample id (FNV-1a over UTF-8, then a splitmix64 finalizer). */
    public static long hash(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
