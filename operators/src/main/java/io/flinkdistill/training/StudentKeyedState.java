package io.flinkdistill.training;

import io.flinkdistill.evaluation.InputShift;
import io.flinkdistill.publish.PublishedVersion;
import java.io.IOException;
import org.apache.flink.api.common.state.KeyedStateStore;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;

/**
 * What the trainer operator checkpoints per student key, and how a student's trainer is rebuilt
 * from it: the trainer ({@link TrainerState}), the last published version and its agreement, the
 * frozen copy ({@link FrozenStudent}, written once), the replay buffer ({@link ReplayBuffer}, when
 * replay is on) and the label-free input-shift statistic. Every call acts on the operator's current
 * key.
 */
final class StudentKeyedState {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(StudentKeyedState.class);

    /** The name of the trainer's state (the keys a bounded job's end goes through). */
    static final String TRAINER = "student-trainer";

    private final ValueState<byte[]> trainer;
    private final ValueState<double[]> published;
    private final ValueState<byte[]> frozen;
    private final ValueState<byte[]> replay;
    private final ValueState<double[]> shift;

    private StudentKeyedState(KeyedStateStore store) {
        trainer = store.getState(bytes(TRAINER));
        published = store.getState(doubles("published"));
        frozen = store.getState(bytes("frozen-student"));
        replay = store.getState(bytes("replay"));
        shift = store.getState(doubles("input-shift"));
    }

    static StudentKeyedState declare(KeyedStateStore store) {
        return new StudentKeyedState(store);
    }

    /** Whether the current key has a checkpointed trainer. */
    boolean hasTrainer() throws IOException {
        return trainer.value() != null;
    }

    /**
     * The current key's trainer as checkpointed (a new one when nothing was), with its frozen copy,
     * replay buffer and, into {@code shiftStatistic}, the input-shift statistic.
     */
    StudentTrainer restore(String key, TrainerSettings settings, InputShift shiftStatistic)
            throws IOException {
        StudentTrainer t;
        byte[] saved = trainer.value();
        if (saved == null) {
            t = new StudentTrainer(key, settings);
        } else {
            TrainerState restored = TrainerState.fromBytes(saved);
            t = StudentTrainer.restore(restored, settings);
            LOG.info(
                    "Restored student {} at step {} after {} samples, weights fingerprint {}",
                    key,
                    t.steps(),
                    t.samplesTrained(),
                    restored.weightsFingerprint());
        }
        byte[] frozenCopy = frozen.value();
        if (frozenCopy != null) {
            t.frozen().restore(FrozenStudent.fromBytes(frozenCopy));
        }
        shiftStatistic.restore(shift.value());
        byte[] replayed = replay.value();
        if (replayed != null && settings.replayRatio() > 0) {
            t.rehearsal().restore(replayed);
        }
        return t;
    }

    /** The current key's last published version ({@link PublishedVersion#NONE} before any). */
    PublishedVersion published() throws IOException {
        return PublishedVersion.fromState(published.value());
    }

    /**
     * Writes the current key's trainer, statistic, replay buffer, frozen copy (once) and last
     * published version (when known), and logs what a checkpoint holds of it.
     */
    void snapshot(
            long checkpointId,
            StudentTrainer t,
            InputShift shiftStatistic,
            boolean withReplay,
            PublishedVersion lastPublished)
            throws IOException {
        TrainerState snapshot = t.snapshot();
        trainer.update(snapshot.toBytes());
        shift.update(shiftStatistic.toState());
        if (withReplay) {
            replay.update(t.rehearsal().buffer().toBytes());
        }
        FrozenStudent copy = t.frozen().copy();
        if (copy != null && frozen.value() == null) {
            frozen.update(copy.toBytes()); // never changes once taken
        }
        if (lastPublished != null) {
            published.update(lastPublished.toState());
        }
        io.flinkdistill.provenance.TrainedCounts counts = snapshot.provenance().trained();
        LOG.info(
                "Checkpoint {}: student {} at step {} after {} samples, weights fingerprint {};"
                        + " samples per partition {}, highest offsets {}, trained-id digest {};"
                        + " skipped {}, skipped-id digest {}",
                checkpointId,
                t.name(),
                snapshot.optimizerSteps(),
                snapshot.samplesTrained(),
                snapshot.weightsFingerprint(),
                new java.util.TreeMap<>(snapshot.samplesPerPartition()),
                new java.util.TreeMap<>(snapshot.offsetsSeen()),
                Long.toHexString(counts.idDigest()),
                counts.skipped(),
                Long.toHexString(counts.skippedDigest()));
    }

    private static ValueStateDescriptor<byte[]> bytes(String name) {
        return new ValueStateDescriptor<>(
                name, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    private static ValueStateDescriptor<double[]> doubles(String name) {
        return new ValueStateDescriptor<>(
                name, PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO);
    }
}
