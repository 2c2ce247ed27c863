package io.flinkdistill.training;

import static io.flinkdistill.codec.BinaryCodec.readArrays;
import static io.flinkdistill.codec.BinaryCodec.readFloats;
import static io.flinkdistill.codec.BinaryCodec.readPartitionLongs;
import static io.flinkdistill.codec.BinaryCodec.readStrings;
import static io.flinkdistill.codec.BinaryCodec.writeArrays;
import static io.flinkdistill.codec.BinaryCodec.writeFloats;
import static io.flinkdistill.codec.BinaryCodec.writePartitionLongs;
import static io.flinkdistill.codec.BinaryCodec.writeStrings;

import io.flinkdistill.codec.StateFormat;
import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.sample.ScoredSample;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything a {@link StudentTrainer} needs to continue exactly where it was, with a compact,
 * versioned binary encoding (stored in Flink keyed state at every checkpoint).
 */
public record TrainerState(
        String student,
        Map<String, float[]> weights,
        long optimizerSteps,
        Map<String, float[]> optimizerState,
        long samplesTrained,
        long evalSamplesSeen,
        LossWeights lossWeights,
        List<ScoredSample> pending,
        List<ScoredSample> evalWindow,
        long skippedSteps,
        double learningRateScale,
        long schedulePosition,
        Map<Integer, Long> samplesPerPartition,
        Map<Integer, Long> offsetsSeen,
        Provenance provenance) {

    /**
     * Version 2 added skipped steps, the learning-rate scale and samples per partition; version 3
     * the schedule position; version 4 the teacher's attention maps of buffered samples; version 5
     * the offsets seen per partition and the provenance; version 6 each buffered sample's
     * per-teacher votes.
     */
    private static final int FORMAT_VERSION = 7;

    private static final StateFormat FORMAT =
            StateFormat.versionOnly("a trainer state", 1, FORMAT_VERSION);

    /** A hash of every weight by name: equal weights give equal fingerprints (logs, tests). */
    public String weightsFingerprint() {
        long h = 17;
        for (Map.Entry<String, float[]> e : new java.util.TreeMap<>(weights).entrySet()) {
            h = 31 * h + e.getKey().hashCode();
            h = 31 * h + java.util.Arrays.hashCode(e.getValue());
        }
        return Long.toHexString(h);
    }

    public byte[] toBytes() {
        return FORMAT.encode(
                out -> {
                    out.writeUTF(student);
                    writeArrays(out, weights);
                    out.writeLong(optimizerSteps);
                    writeArrays(out, optimizerState);
                    out.writeLong(samplesTrained);
                    out.writeLong(evalSamplesSeen);
                    lossWeights.writeTo(out);
                    writeSamples(out, pending, FORMAT_VERSION);
                    writeSamples(out, evalWindow, FORMAT_VERSION);
                    out.writeLong(skippedSteps);
                    out.writeDouble(learningRateScale);
                    out.writeLong(schedulePosition);
                    writePartitionLongs(out, samplesPerPartition);
                    writePartitionLongs(out, offsetsSeen);
                    writeStrings(out, provenance.entries());
                });
    }

    public static TrainerState fromBytes(byte[] data) {
        return FORMAT.decode(data, TrainerState::read);
    }

    private static TrainerState read(DataInputStream in, int version) throws IOException {
        String student = in.readUTF();
        Map<String, float[]> weights = readArrays(in);
        long steps = in.readLong();
        Map<String, float[]> opt = readArrays(in);
        long trained = in.readLong();
        long evalSeen = in.readLong();
        LossWeights lw = LossWeights.readFrom(in);
        List<ScoredSample> pending = readSamples(in, version);
        List<ScoredSample> window = readSamples(in, version);
        long skipped = 0;
        double lrScale = 1.0;
        Map<Integer, Long> perPartition = new java.util.TreeMap<>();
        long position = trained;
        if (version >= 2) {
            skipped = in.readLong();
            lrScale = in.readDouble();
            if (version >= 3) {
                position = in.readLong();
            }
            perPartition = readPartitionLongs(in);
        }
        Map<Integer, Long> offsets = new java.util.TreeMap<>();
        Provenance provenance = Provenance.EMPTY;
        if (version >= 5) {
            offsets = readPartitionLongs(in);
            provenance = Provenance.of(readStrings(in));
        }
        return new TrainerState(
                student,
                weights,
                steps,
                opt,
                trained,
                evalSeen,
                lw,
                pending,
                window,
                skipped,
                lrScale,
                position,
                perPartition,
                offsets,
                provenance);
    }

    /** Writes samples in the layout of trainer-state format {@code version} (6 or later). */
    static void writeSamples(DataOutputStream out, List<ScoredSample> samples, int version)
            throws IOException {
        out.writeInt(samples.size());
        for (ScoredSample s : samples) {
            out.writeUTF(s.student == null ? "" : s.student);
            out.writeUTF(s.id);
            out.writeInt(s.tokens.length);
            for (int t : s.tokens) {
                out.writeInt(t);
            }
            out.writeInt(s.label);
            writeFloats(out, s.teacherLogits);
            writeFloats(out, s.teacherFeatures);
            out.writeBoolean(s.eval);
            out.writeInt(s.partition);
            out.writeLong(s.offset);
            writeFloats(out, s.teacherAttention);
            out.writeInt(s.teacherVotes.length);
            for (int v : s.teacherVotes) {
                out.writeInt(v);
            }
            if (version >= 7) {
                out.writeBoolean(s.augmented);
            }
        }
    }

    static List<ScoredSample> readSamples(DataInputStream in, int version) throws IOException {
        int n = in.readInt();
        List<ScoredSample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ScoredSample s = new ScoredSample();
            s.student = in.readUTF();
            s.id = in.readUTF();
            s.tokens = new int[in.readInt()];
            for (int t = 0; t < s.tokens.length; t++) {
                s.tokens[t] = in.readInt();
            }
            s.label = in.readInt();
            s.teacherLogits = readFloats(in);
            s.teacherFeatures = readFloats(in);
            s.eval = in.readBoolean();
            s.partition = in.readInt();
            s.offset = in.readLong();
            s.teacherAttention = version >= 4 ? readFloats(in) : new float[0];
            if (version >= 6) {
                s.teacherVotes = new int[in.readInt()];
                for (int v = 0; v < s.teacherVotes.length; v++) {
                    s.teacherVotes[v] = in.readInt();
                }
            }
            s.augmented = version >= 7 && in.readBoolean();
            out.add(s);
        }
        return out;
    }
}
