package io.flinkdistill.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinkdistill.pipeline.monitor.MetricsRecords;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.schemas.BenchmarkResult;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import io.flinkdistill.schemas.DistillMetrics;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's drift section, from metrics records whose figures are known. */
class DriftScenarioTest {
    private static final long FROZEN_AT = 450;

    @Test
    void forgettingShouldBeMeasuredFromTheFrozenCopyNotFromTheFirstRecordAfterTheShift(
            @TempDir Path dir) throws Exception {
        // Records every 100 samples (steps 1..8), the freeze at 450. The first record after it
        // (500) has already trained on 50 samples of the second domain and lost 4 points of the
        // first: the student at the shift is the frozen copy (0.80), not that record (0.76).
        List<DistillMetrics> records = new ArrayList<>();
        List<DistillMetrics> recorded = recording(dir);
        for (int i = 0; i < 8; i++) {
            long samples = (i + 1) * 100L;
            boolean after = samples >= FROZEN_AT;
            double sst2 = !after ? 0.80 : i == 4 ? 0.76 : 0.79;
            double yelp = !after ? 0.70 : i == 4 ? 0.72 : 0.85;
            DistillMetrics m = DistillMetrics.newBuilder(recorded.get(i)).build();
            m.setStep(i + 1L);
            m.setSamplesTrained(samples);
            m.setBenchmarks(
                    List.of(
                            result("sst2", sst2, after ? 0.80 : null, 0.88),
                            result("yelp", yelp, after ? 0.70 : null, 0.92)));
            records.add(m);
        }
        // The input detector: one alarm before the freeze (step 2: 200 samples), then one at
        // step 7 (700 samples: 250 after the freeze); the agreement detector never fires.
        List<ControlCommand> commands =
                List.of(realign("input-drift-student-2"), realign("input-drift-student-7"));
        JsonNode d = summary(dir, records, commands);

        JsonNode sst2 = d.get("benchmarks").get("sst2");
        assertThat(sst2.get("student_at_shift").asDouble()).isEqualTo(0.80);
        assertThat(sst2.get("student_at_end").asDouble()).isEqualTo(0.79);
        assertThat(sst2.get("change_since_shift").asDouble()).isEqualTo(-0.01);
        JsonNode yelp = d.get("benchmarks").get("yelp");
        assertThat(yelp.get("student_at_shift").asDouble()).isEqualTo(0.70);
        assertThat(yelp.get("change_since_shift").asDouble()).isEqualTo(0.15);
        assertThat(yelp.get("gain_over_frozen").asDouble()).isEqualTo(0.15);
        JsonNode input = d.get("detectors").get("input");
        assertThat(input.get("alarms_before_shift").asInt()).isEqualTo(1);
        assertThat(input.get("delay_samples").asLong()).isEqualTo(250);
        assertThat(d.get("detectors").get("agreement").get("delay_samples").isNull()).isTrue();
        // Never within 2 points of the teacher's 0.92 on yelp.
        assertThat(d.get("samples_to_recover").isNull()).isTrue();
    }

    @Test
    void withoutAFrozenCopyTheShiftIsTheLastRecordBeforeIt(@TempDir Path dir) throws Exception {
        List<DistillMetrics> records = new ArrayList<>();
        List<DistillMetrics> recorded = recording(dir);
        double[] sst2 = {0.78, 0.80, 0.75, 0.77};
        for (int i = 0; i < sst2.length; i++) {
            DistillMetrics m = DistillMetrics.newBuilder(recorded.get(i)).build();
            m.setStep(i + 1L);
            m.setSamplesTrained((i + 1) * 200L);
            m.setBenchmarks(
                    List.of(result("sst2", sst2[i], null, 0.88), result("yelp", 0.9, null, 0.92)));
            records.add(m);
        }
        JsonNode d = summary(dir, records, List.of());
        // 400 samples is the last record before the freeze at 450.
        assertThat(d.get("benchmarks").get("sst2").get("student_at_shift").asDouble())
                .isEqualTo(0.80);
        assertThat(d.get("benchmarks").get("sst2").get("change_since_shift").asDouble())
                .isEqualTo(-0.03);
        // Within 2 points of the teacher from the first record after the freeze (600 samples).
        assertThat(d.get("samples_to_recover").asLong()).isEqualTo(150);
    }

    /**
     * The drift section of a scenario whose second domain is "yelp", the shift at 480 and the
     * freeze at {@link #FROZEN_AT}, from these records and commands.
     */
    private static JsonNode summary(
            Path dir, List<DistillMetrics> records, List<ControlCommand> commands)
            throws Exception {
        Path test = dir.resolve("yelp-test.tsv");
        Files.writeString(test, "great food\t1\nawful service\t0\n");
        return DriftScenario.load("yelp", TsvDataset.read(test), TsvDataset.read(test), 1)
                .summary(
                        records,
                        commands,
                        480,
                        FROZEN_AT,
                        "sst2",
                        new TestSetEvaluation(2, 0.92, Map.of(), 0.85, 0.9, 1, 1, 1, 0.8, null));
    }

    private static List<DistillMetrics> recording(Path dir) throws Exception {
        Path recording = dir.resolve("recorded.jsonl");
        try (InputStream in =
                DriftScenarioTest.class.getResourceAsStream("/metrics/recorded.jsonl")) {
            Files.copy(in, recording);
        }
        return MetricsRecords.readRecording(recording);
    }

    private static BenchmarkResult result(
            String name, double accuracy, Double frozen, double teacher) {
        return BenchmarkResult.newBuilder()
                .setName(name)
                .setSize(100)
                .setAccuracy(accuracy)
                .setAgreement(accuracy)
                .setTeacherAccuracy(teacher)
                .setFrozenAccuracy(frozen)
                .build();
    }

    private static ControlCommand realign(String id) {
        return ControlCommand.newBuilder()
                .setId(id)
                .setIssuer("evaluator")
                .setType(ControlType.REALIGN)
                .setTimestamp(java.time.Instant.EPOCH)
                .build();
    }
}
