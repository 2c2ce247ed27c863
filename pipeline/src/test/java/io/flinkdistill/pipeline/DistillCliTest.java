package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkdistill.pipeline.cli.DistillCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad options fail before anything starts, with a message that names the option. */
class DistillCliTest {

    @Test
    void shouldNameAnUnknownTeacherAndListTheShippedOnes() {
        Result r = run("demo", "--teacher", "gpt-5");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains("--teacher")
                .contains("e5-small-v2-q")
                .contains("all-minilm-l6-v2");
    }

    @Test
    void shouldNameAnOutOfRangeNumber() {
        Result r = run("demo", "--eval-fraction", "1.5");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("--eval-fraction").contains("(0, 1)");
    }

    @Test
    void shouldRequireBrokersForTheLiveJob() {
        Result r = run("run", "--teacher-head", "head.json");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("--bootstrap-servers");
    }

    @Test
    void shouldExplainAHiddenSizeThatHeadsCannotSplit() {
        Result r = run("demo", "--student-hidden", "130", "--student-heads", "4");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("--student-hidden").contains("multiple of --student-heads");
    }

    @Test
    void shouldWriteTheTrainerBenchmarkFigures(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        assertThat(
                        DistillCli.execute(
                                "bench",
                                "trainer",
                                "--steps",
                                "10",
                                "--batch-size",
                                "8",
                                "--json",
                                json.toString()))
                .isZero();
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("students")).hasSize(2);
        for (JsonNode row : report.get("students")) {
            assertThat(row.get("samples_per_second").asDouble()).isPositive();
            assertThat(row.get("checkpoint_bytes").asLong())
                    .isGreaterThan(4L * row.get("params").asLong());
            assertThat(row.has("forward_ms") && row.has("backward_ms") && row.has("optimizer_ms"))
                    .isTrue();
        }
        assertThat(report.get("speedup_vs_baseline").asDouble()).isPositive();
    }

    private record Result(int code, String err) {}

    private static Result run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            int code = DistillCli.execute(args);
            return new Result(code, err.toString());
        } finally {
            System.setErr(saved);
        }
    }
}
