package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.sample.ScoredSample;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Files written by released code still load: a trainer checkpoint (TrainerState format 7), the
 * trainer's control state (format 1), the teacher's knowledge (format 1) and a saved student
 * (student file versions 3 and 4), committed under {@code golden/} and never rewritten, with what
 * they hold in {@code golden/expected.properties}. When a format changes, the new code must still
 * read these; a new golden file is added beside them with {@code -Dgolden.write=DIR} (which writes
 * the current format's files into DIR).
 */
class GoldenFilesTest {

    @Test
    void shouldRestoreATrainerCheckpointOfFormat7AndTrainOn() throws Exception {
        Properties expected = expected();
        TrainerState state = TrainerState.fromBytes(golden("trainer-state-v7.bin"));
        assertThat(state.weightsFingerprint()).isEqualTo(expected.getProperty("state.fingerprint"));
        assertThat(state.samplesTrained())
                .isEqualTo(Long.parseLong(expected.getProperty("state.samples")));
        assertThat(state.pending())
                .hasSize(Integer.parseInt(expected.getProperty("state.pending")));
        assertThat(state.pending())
                .filteredOn(x -> x.augmented)
                .as("pending variants stay variants")
                .hasSize(Integer.parseInt(expected.getProperty("state.pending_augmented")));
        try (StudentTrainer restored =
                StudentTrainer.restore(state, TrainerFixtures.tinySettings())) {
            assertThat(restored.steps())
                    .isEqualTo(Long.parseLong(expected.getProperty("state.steps")));
            SyntheticSamples.generate(8, 2, false).forEach(restored::accept);
            assertThat(restored.steps())
                    .isEqualTo(Long.parseLong(expected.getProperty("state.steps")) + 1);
        }
    }

    /**
     * Checkpoints of the earlier formats, each written by the commit that introduced it (its
     * trainer, its tiny test settings, 83 training and 5 eval samples): they decode to what that
     * code recorded, and a trainer restored from them trains on.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void shouldRestoreATrainerCheckpointOfAnEarlierFormat(int format) throws Exception {
        Properties recorded = new Properties();
        try (InputStream in =
                GoldenFilesTest.class.getResourceAsStream(
                        "/golden/trainer-state-v" + format + ".properties")) {
            assertThat(in).as("trainer-state-v%d.properties", format).isNotNull();
            recorded.load(in);
        }
        TrainerState state = TrainerState.fromBytes(golden("trainer-state-v" + format + ".bin"));
        assertThat(state.samplesTrained()).isEqualTo(longOf(recorded, "samples"));
        assertThat(state.optimizerSteps()).isEqualTo(longOf(recorded, "steps"));
        assertThat(state.pending()).hasSize((int) longOf(recorded, "pending"));
        assertThat(state.evalWindow()).hasSize((int) longOf(recorded, "eval"));
        assertThat(state.evalSamplesSeen()).isEqualTo(longOf(recorded, "evalSeen"));
        assertThat(state.lossWeights().toString()).isEqualTo(recorded.getProperty("lossWeights"));
        StringBuilder samples = new StringBuilder();
        for (ScoredSample s : concat(state.pending(), state.evalWindow())) {
            samples.append(s.id)
                    .append('/')
                    .append(s.tokens.length)
                    .append('/')
                    .append(s.partition)
                    .append('/')
                    .append(s.offset)
                    .append(' ');
        }
        assertThat(samples.toString().trim()).isEqualTo(recorded.getProperty("samplesIds"));
        assertThat(new java.util.TreeSet<>(state.weights().keySet()).toString())
                .isEqualTo(recorded.getProperty("weights.names"));
        assertThat(new java.util.TreeSet<>(state.optimizerState().keySet()).toString())
                .isEqualTo(recorded.getProperty("optimizer.names"));
        // Fields a format did not have read as their defaults.
        assertThat(state.skippedSteps())
                .isEqualTo(Long.parseLong(recorded.getProperty("skipped", "0")));
        assertThat(state.learningRateScale())
                .isEqualTo(Double.parseDouble(recorded.getProperty("lrScale", "1.0")));
        assertThat(new java.util.TreeMap<>(state.samplesPerPartition()).toString())
                .isEqualTo(recorded.getProperty("perPartition", "{}"));
        assertThat(state.schedulePosition())
                .isEqualTo(
                        Long.parseLong(
                                recorded.getProperty("position", recorded.getProperty("samples"))));
        assertThat(new java.util.TreeMap<>(state.offsetsSeen()).toString())
                .isEqualTo(recorded.getProperty("offsets", "{}"));
        assertThat(new java.util.TreeMap<>(state.provenance().entries()).toString())
                .isEqualTo(recorded.getProperty("provenance", "{}"));
        double sum = 0;
        long count = 0;
        for (float[] w : state.weights().values()) {
            for (float f : w) {
                sum += f;
                count++;
            }
        }
        assertThat(count).isEqualTo(longOf(recorded, "weights.count"));
        assertThat(sum)
                .isCloseTo(
                        Double.parseDouble(recorded.getProperty("weights.sum")),
                        org.assertj.core.data.Offset.offset(1e-6));
        try (StudentTrainer restored =
                StudentTrainer.restore(state, TrainerFixtures.tinySettings())) {
            long steps = restored.steps();
            SyntheticSamples.generate(8, 3, false).forEach(restored::accept);
            assertThat(restored.steps()).isEqualTo(steps + 1);
            assertThat(restored.samplesTrained()).isEqualTo(state.samplesTrained() + 8);
        }
    }

    private static List<ScoredSample> concat(List<ScoredSample> a, List<ScoredSample> b) {
        List<ScoredSample> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static long longOf(Properties p, String key) {
        return Long.parseLong(p.getProperty(key));
    }

    /**
     * Both student file versions load; a version-3 file (before the families) holds a transformer
     * with the default kernel, a version-4 file the kernel it stored (the tiny fixture's 3).
     */
    @ParameterizedTest
    @CsvSource({"3, 5", "4, 3"})
    void shouldLoadAStudentFileOfEachVersion(int version, int kernel) throws Exception {
        Properties expected = expected();
        Path file = Files.createTempFile("golden", ".student");
        try {
            Files.write(file, golden("student-v" + version + ".student"));
            StudentFile.Loaded loaded = StudentFile.read(file);
            assertThat(loaded.step())
                    .isEqualTo(Long.parseLong(expected.getProperty("student.steps")));
            assertThat(loaded.samplesTrained())
                    .isEqualTo(Long.parseLong(expected.getProperty("student.samples")));
            assertThat(loaded.weights()).containsKey("embed.tokens");
            assertThat(loaded.provenance().studentName()).contains("student");
            assertThat(loaded.config().family())
                    .isEqualTo(io.flinkdistill.student.StudentConfig.Family.TRANSFORMER);
            assertThat(loaded.config().kernel()).isEqualTo(kernel);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void shouldRestoreTheTrainerControlOfFormat1() throws Exception {
        TrainerControl control = TrainerControl.fromBytes(golden("trainer-control-v1.bin"));
        assertThat(control.students()).containsExactly("student");
        assertThat(control.paused("student")).isTrue();
        assertThat(control.samplesPaused("student")).isEqualTo(3);
        assertThat(control.driftEvents("student")).isEqualTo(1);
        TrainerControl.Overrides o = control.overridesFor("student");
        assertThat(o.weights.soft()).isEqualTo(0.7);
        assertThat(o.weights.feature()).isEqualTo(0.3);
        assertThat(o.temperature).isEqualTo(2.0);
        assertThat(control.alreadyApplied("ops-1")).isTrue();
        assertThat(control.alreadyApplied("ops-9")).isFalse();
    }

    @Test
    void shouldReadTheTeacherKnowledgeOfFormat1() throws Exception {
        io.flinkdistill.teacher.TeacherKnowledge k =
                io.flinkdistill.teacher.TeacherKnowledge.fromBytes(
                        golden("teacher-knowledge-v1.bin"));
        assertThat(k).usingRecursiveComparison().isEqualTo(goldenKnowledge());
    }

    @Test
    void shouldReadAFrozenStudentOfFormat1() throws Exception {
        FrozenStudent f = FrozenStudent.fromBytes(golden("frozen-student-v1.bin"));
        assertThat(f.samplesTrained()).isEqualTo(goldenFrozen().samplesTrained());
        assertThat(f.weights().keySet()).isEqualTo(goldenFrozen().weights().keySet());
        goldenFrozen()
                .weights()
                .forEach((k, v) -> assertThat(f.weights().get(k)).containsExactly(v));
    }

    @Test
    void shouldReadAReplayBufferOfFormat1AndDrawAsItWouldHave() throws Exception {
        ReplayBuffer b = ReplayBuffer.fromBytes(golden("replay-buffer-v1.bin"), 16, 7);
        ReplayBuffer expected = goldenReplay();
        assertThat(b.offered()).isEqualTo(40);
        assertThat(b.size()).isEqualTo(16);
        assertThat(b.draw(8, 3))
                .usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(expected.draw(8, 3));
    }

    /**
     * The current formats write exactly the bytes of their golden files: a change of layout that
     * keeps the version number fails here before it fails a restore in production.
     */
    @Test
    void shouldWriteTheCurrentFormatsByteForByteAsTheirGoldenFiles() throws Exception {
        assertThat(goldenKnowledge().toBytes()).isEqualTo(golden("teacher-knowledge-v1.bin"));
        assertThat(goldenFrozen().toBytes()).isEqualTo(golden("frozen-student-v1.bin"));
        assertThat(goldenReplay().toBytes()).isEqualTo(golden("replay-buffer-v1.bin"));
        assertThat(TrainerControl.fromBytes(golden("trainer-control-v1.bin")).toBytes())
                .isEqualTo(golden("trainer-control-v1.bin"));
        assertThat(TrainerState.fromBytes(golden("trainer-state-v7.bin")).toBytes())
                .isEqualTo(golden("trainer-state-v7.bin"));
    }

    /** What {@code frozen-student-v1.bin} holds. */
    private static FrozenStudent goldenFrozen() {
        return new FrozenStudent(
                46162, Map.of("a.w", new float[] {0.5f, -1.25f, 3f}, "b", new float[] {7f}));
    }

    /** What {@code replay-buffer-v1.bin} holds: 40 synthetic samples offered to 16 places. */
    private static ReplayBuffer goldenReplay() {
        ReplayBuffer b = new ReplayBuffer(16, 7);
        SyntheticSamples.generate(40, 5, false).forEach(b::offer);
        return b;
    }

    /** What {@code teacher-knowledge-v1.bin} holds. */
    private static io.flinkdistill.teacher.TeacherKnowledge goldenKnowledge() {
        return new io.flinkdistill.teacher.TeacherKnowledge(
                new double[] {12.5, 3.25, 0.5},
                new double[] {1.0, 2.0, 3.0, 4.0, 40.0},
                2,
                new int[][] {{0, 3}, {1}},
                List.of("ops-1", "eval-guided-student-35"));
    }

    /** The control state of {@code trainer-control-v1.bin}: what these commands leave. */
    private static TrainerControl goldenControl() throws Exception {
        TrainerControl control = new TrainerControl();
        control.know("student");
        String[] commands = {
            "{\"id\":\"ops-1\",\"type\":\"set-loss-weights\",\"values\":{\"soft\":0.7,\"feature\":0.3}}",
            "{\"id\":\"ops-2\",\"type\":\"set-temperature\",\"values\":{\"temperature\":2}}",
            "{\"id\":\"ops-3\",\"type\":\"pause\"}",
            "{\"id\":\"drift-student-40\",\"type\":\"realign\",\"student\":\"student\"}"
        };
        for (String c : commands) {
            control.apply(
                    io.flinkdistill.schemas.ControlCommands.fromJson(c),
                    s -> io.flinkdistill.loss.LossWeights.defaults());
        }
        for (int i = 0; i < 3; i++) {
            control.countPaused("student");
        }
        return control;
    }

    /** Writes the current format's golden files when {@code -Dgolden.write=DIR} is given. */
    @Test
    void writeGoldenFilesWhenAsked() throws Exception {
        String dir = System.getProperty("golden.write");
        if (dir == null) {
            return;
        }
        Path out = Path.of(dir);
        List<ScoredSample> samples = SyntheticSamples.generate(83, 1, false);
        // The last one, still pending at the snapshot, is a variant (augmentation).
        samples.get(82).augmented = true;
        try (StudentTrainer trainer =
                new StudentTrainer("student", TrainerFixtures.tinySettings())) {
            samples.forEach(trainer::accept);
            TrainerState state = trainer.snapshot();
            Files.write(out.resolve("trainer-state-v7.bin"), state.toBytes());
            Files.write(out.resolve("trainer-control-v1.bin"), goldenControl().toBytes());
            Files.write(out.resolve("teacher-knowledge-v1.bin"), goldenKnowledge().toBytes());
            Files.write(out.resolve("frozen-student-v1.bin"), goldenFrozen().toBytes());
            Files.write(out.resolve("replay-buffer-v1.bin"), goldenReplay().toBytes());
            trainer.saveStudent(out.resolve("student-v4.student"));
            Properties p = new Properties();
            p.setProperty("state.fingerprint", state.weightsFingerprint());
            p.setProperty("state.samples", Long.toString(state.samplesTrained()));
            p.setProperty("state.pending", Integer.toString(state.pending().size()));
            p.setProperty(
                    "state.pending_augmented",
                    Long.toString(state.pending().stream().filter(x -> x.augmented).count()));
            p.setProperty("state.steps", Long.toString(trainer.steps()));
            p.setProperty("student.steps", Long.toString(trainer.steps()));
            p.setProperty("student.samples", Long.toString(trainer.samplesTrained()));
            try (var w = Files.newBufferedWriter(out.resolve("expected.properties"))) {
                p.store(w, "What the golden files hold (written by GoldenFilesTest)");
            }
        }
    }

    private static Properties expected() throws Exception {
        Properties p = new Properties();
        try (InputStream in =
                GoldenFilesTest.class.getResourceAsStream("/golden/expected.properties")) {
            assertThat(in).as("golden/expected.properties").isNotNull();
            p.load(in);
        }
        return p;
    }

    private static byte[] golden(String name) throws Exception {
        try (InputStream in = GoldenFilesTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as("golden/%s", name).isNotNull();
            return in.readAllBytes();
        }
    }
}
