package io.flinkdistill.faults;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failure injection for reliability tests: a test arms a point (an operator) with a record count,
 * and that operator throws once, at the first record past the count after one of its checkpoints
 * has completed, so that the job restarts from that checkpoint in the middle of the work. Unarmed
 * (always, outside tests) it costs one empty-map check per record. State is per JVM, which is what
 * a MiniCluster test needs.
 */
public final class FaultInjection {
    /** The teacher operator, counting samples it has taken. */
    public static final String TEACHER = "teacher";

    /** The student trainer operator, counting samples it has taken. */
    public static final String TRAINER = "trainer";

    private static final Map<String, Long> ARMED = new ConcurrentHashMap<>();
    private static final Set<String> CHECKPOINTED = ConcurrentHashMap.newKeySet();
    private static final Set<String> FIRED = ConcurrentHashMap.newKeySet();
    private static final Map<String, Long> FIRED_AT = new ConcurrentHashMap<>();

    private FaultInjection() {}

    /** Fails {@code point} once, past {@code afterRecords}, after a checkpoint of it completed. */
    public static void arm(String point, long afterRecords) {
        FIRED.remove(point);
        CHECKPOINTED.remove(point);
        ARMED.put(point, afterRecords);
    }

    public static void disarmAll() {
        ARMED.clear();
        CHECKPOINTED.clear();
    }

    /** Whether the armed failure of {@code point} was thrown. */
    public static boolean fired(String point) {
        return FIRED.contains(point);
    }

    /** Wall-clock time (ms since the epoch) the failure of {@code point} was thrown, or -1. */
    public static long firedAtMillis(String point) {
        return FIRED_AT.getOrDefault(point, -1L);
    }

    /** Called by an operator when one of its checkpoints completed. */
    public static void checkpointCompleted(String point) {
        if (!ARMED.isEmpty() && ARMED.containsKey(point)) {
            CHECKPOINTED.add(point);
        }
    }

    /** Called by an operator with its record count; throws once when armed and due. */
    public static void maybeFail(String point, long records) {
        if (ARMED.isEmpty()) {
            return;
        }
        Long after = ARMED.get(point);
        if (after != null && records >= after && CHECKPOINTED.contains(point) && FIRED.add(point)) {
            FIRED_AT.put(point, System.currentTimeMillis());
            throw new IllegalStateException(
                    "Injected failure in the " + point + " after " + records + " records");
        }
    }
}
