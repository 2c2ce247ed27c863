package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkdistill.schemas.TrainingSample;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code distill demo --scenario drift} end to end on small files: the first domain (SST-2), then
 * the second (Yelp) in order on one partition with the shift where the report says, replay on by
 * the scenario's default, a frozen copy measured next to the student on both benchmark sets, and
 * the report's drift section measured from that copy.
 */
class DriftScenarioITCase {
    private static final int FIRST_DOMAIN = 1500;
    private static final int SECOND_DOMAIN = 600;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;
    @RegisterExtension static final TestBed BED = TestBed.kafka();

    @Test
    void shouldStreamTheSecondDomainAfterTheFirstAndReportDriftFromTheFrozenCopy()
            throws Exception {
        Path sst2Test = head("/data/sst2/test.tsv", 200, "sst2-test.tsv");
        Path yelpTrain = head("/data/yelp/train.tsv", SECOND_DOMAIN, "yelp-train.tsv");
        Path yelpTest = head("/data/yelp/test.tsv", 200, "yelp-test.tsv");
        Path out = dir.resolve("out");
        List<String> output;
        int exit;
        try (RunCommandITCase.Command c =
                RunCommandITCase.Command.start(
                        Files.createDirectories(dir.resolve("work")),
                        "demo",
                        "--scenario",
                        "drift",
                        "--bootstrap-servers",
                        BED.broker().bootstrapServers(),
                        "--max-samples",
                        Integer.toString(FIRST_DOMAIN),
                        "--head-samples",
                        "300",
                        "--validation-size",
                        "100",
                        "--test",
                        sst2Test.toString(),
                        "--shift-train",
                        yelpTrain.toString(),
                        "--shift-test",
                        yelpTest.toString(),
                        // The second domain's test file again, as an out-of-domain test: the two
                        // paths must measure the same student the same way.
                        "--out-of-domain-test",
                        yelpTest.toString(),
                        "--baseline-learning-rates",
                        "3e-4",
                        "--out",
                        out.toString())) {
            // The whole demo: head fit, job, baseline, test files, export, cascade (about 2
            // minutes on 2 cores, 3.5 when they are shared).
            exit = c.exitCode(Duration.ofMinutes(8));
            output = c.output();
        }
        assertThat(exit).isZero();
        assertThat(output)
                .anyMatch(
                        l ->
                                l.startsWith("Drift scenario: ")
                                        && l.endsWith(
                                                "replay ratio 1.0 (the scenario's default;"
                                                        + " --replay-ratio 0 turns it off)."));

        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        JsonNode drift = report.get("drift");
        long shift = drift.get("shift_offset").asLong();
        assertThat(drift.get("second_domain_samples").asLong()).isEqualTo(SECOND_DOMAIN);
        assertThat(report.get("samples_streamed").asLong()).isEqualTo(shift + SECOND_DOMAIN);

        // In order on one partition: every first-domain sample, then the second domain from the
        // shift offset on.
        List<ConsumerRecord<byte[], byte[]>> samples =
                new ArrayList<>(
                        TopicRecords.records(BED.broker().bootstrapServers(), "distill.samples"));
        assertThat(samples).hasSize((int) (shift + SECOND_DOMAIN));
        assertThat(samples).allMatch(r -> r.partition() == 0, "in partition 0");
        samples.sort(Comparator.comparingLong(ConsumerRecord::offset));
        for (ConsumerRecord<byte[], byte[]> r : samples) {
            String source =
                    TrainingSample.fromByteBuffer(ByteBuffer.wrap(r.value()))
                            .getSource()
                            .toString();
            assertThat(source)
                    .as("source of offset %d (shift at %d)", r.offset(), shift)
                    .startsWith(r.offset() < shift ? "sst2-train.tsv:" : "yelp-train.tsv:");
        }

        // The frozen copy was taken inside the run and measured on both sets; replay was on.
        long trained = report.get("samples_trained").asLong();
        long frozenAt = drift.get("frozen_at_samples_trained").asLong();
        assertThat(frozenAt).isPositive().isLessThan(trained);
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        JsonNode last = JSON.readTree(metrics.get(metrics.size() - 1));
        assertThat(last.get("samples_replayed").asLong()).as("samples replayed").isPositive();
        assertThat(last.get("benchmarks").findValuesAsText("name"))
                .containsExactly("sst2", "second");
        for (JsonNode set : last.get("benchmarks")) {
            assertThat(set.get("frozen_accuracy").isNumber()).as("frozen copy measured").isTrue();
            JsonNode summary = drift.get("benchmarks").get(set.get("name").asText());
            assertThat(summary.get("student_at_shift").asDouble())
                    .as("the student at the shift is the frozen copy")
                    .isEqualTo(summary.get("frozen_at_end").asDouble());
            assertThat(summary.get("change_since_shift").asDouble())
                    .isCloseTo(
                            summary.get("student_at_end").asDouble()
                                    - summary.get("frozen_at_end").asDouble(),
                            org.assertj.core.data.Offset.offset(1e-3));
        }
        JsonNode otherDomain = report.get("out_of_domain");
        JsonNode secondTest = drift.get("test");
        for (String figure :
                List.of(
                        "size",
                        "teacher_accuracy",
                        "student_accuracy",
                        "baseline_accuracy",
                        "agreement")) {
            assertThat(otherDomain.get(figure).asDouble())
                    .as("out_of_domain.%s", figure)
                    .isEqualTo(secondTest.get(figure).asDouble());
        }
        assertThat(otherDomain.get("size").asInt())
                .isEqualTo(Files.readAllLines(yelpTest).size() - 1);
        assertThat(output).anyMatch(l -> l.startsWith("Out of domain (yelp-test.tsv, "));
        assertThat(drift.get("detectors").get("input").get("alarms_before_shift").isInt()).isTrue();
        assertThat(output).anyMatch(l -> l.startsWith("Forgetting: on sst2 the student went from"));
    }

    /** The header and the first {@code rows} rows of a bundled TSV, as a file. */
    private static Path head(String resource, int rows, String name) throws Exception {
        List<String> lines = new ArrayList<>();
        try (InputStream in = DriftScenarioITCase.class.getResourceAsStream(resource)) {
            List<String> all =
                    new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            lines.addAll(all.subList(0, rows + 1));
        }
        return Files.write(dir.resolve(name), lines);
    }
}
