package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Files written by released code still load: a trainer checkpoint (TrainerState format 6) and a
 * saved student (student file version 3), committed under {@code golden/} and never rewritten, with
 * what they hold in {@code golden/expected.properties}. When a format changes, the new code must
 * still read these; a new golden file is added beside them with {@code -Dgolden.write=DIR} (which
 * writes the current format's files into DIR).
 */
class GoldenFilesTest {

    @Test
    void shouldRestoreATrainerCheckpointOfFormat6AndTrainOn() throws Exception {
        Properties expected = expected();
        TrainerState state = TrainerState.fromBytes(golden("trainer-state-v6.bin"));
        assertThat(state.weightsFingerprint()).isEqualTo(expected.getProperty("state.fingerprint"));
        assertThat(state.samplesTrained())
                .isEqualTo(Long.parseLong(expected.getProperty("state.samples")));
        assertThat(state.pending())
                .hasSize(Integer.parseInt(expected.getProperty("state.pending")));
        try (StudentTrainer restored =
                StudentTrainer.restore(state, TrainerFixtures.tinySettings())) {
            assertThat(restored.steps())
                    .isEqualTo(Long.parseLong(expected.getProperty("state.steps")));
            SyntheticSamples.generate(8, 2, false).forEach(restored::accept);
            assertThat(restored.steps())
                    .isEqualTo(Long.parseLong(expected.getProperty("state.steps")) + 1);
        }
    }

    @Test
    void shouldLoadAStudentFileOfVersion3() throws Exception {
        Properties expected = expected();
        Path file = Files.createTempFile("golden", ".student");
        try {
            Files.write(file, golden("student-v3.student"));
            StudentFile.Loaded loaded = StudentFile.read(file);
            assertThat(loaded.step())
                    .isEqualTo(Long.parseLong(expected.getProperty("student.steps")));
            assertThat(loaded.samplesTrained())
                    .isEqualTo(Long.parseLong(expected.getProperty("student.samples")));
            assertThat(loaded.weights()).containsKey("embed.tokens");
            assertThat(loaded.provenance()).containsEntry("student.name", "student");
        } finally {
            Files.deleteIfExists(file);
        }
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
        try (StudentTrainer trainer =
                new StudentTrainer("student", TrainerFixtures.tinySettings())) {
            samples.forEach(trainer::accept);
            TrainerState state = trainer.snapshot();
            Files.write(out.resolve("trainer-state-v6.bin"), state.toBytes());
            trainer.saveStudent(out.resolve("student-v3.student"));
            Properties p = new Properties();
            p.setProperty("state.fingerprint", state.weightsFingerprint());
            p.setProperty("state.samples", Long.toString(state.samplesTrained()));
            p.setProperty("state.pending", Integer.toString(state.pending().size()));
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
