package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.cli.DistillCli;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report of a recorded metrics stream opens in headless Chromium (Debian's chromium
 * package, which the test command {@code deploy/test-setup.sh} installs): the browser renders every
 * plot with its lines, and logs no page error.
 */
class ReportChromiumITCase {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir static Path dir;

    @BeforeAll
    static void requireChromium() {
        // Installed by the test command (deploy/test-setup.sh), never by a test.
        assertThat(Files.isExecutable(CHROMIUM))
                .as(
                        "%s is missing: run the suite with deploy/test-setup.sh (it installs Debian's"
                                + " chromium package) or apt-get install chromium",
                        CHROMIUM)
                .isTrue();
    }

    @Test
    void reportShouldOpenInHeadlessChromiumAndShowItsPlots() throws Exception {
        Path recording = dir.resolve("recorded.jsonl");
        try (InputStream in =
                ReportChromiumITCase.class.getResourceAsStream("/metrics/recorded.jsonl")) {
            Files.copy(in, recording);
        }
        Path html = dir.resolve("report.html");
        assertThat(
                        DistillCli.execute(
                                "report",
                                "--input",
                                recording.toString(),
                                "--out",
                                html.toString()))
                .isZero();

        Browser dom = chromium("--dump-dom", html.toUri().toString());
        assertThat(dom.exitCode()).as("chromium exit; log: %s", dom.log()).isZero();
        String rendered = dom.stdout();
        assertThat(rendered).contains("<h1>flink-distill report</h1>");
        assertThat(rendered.split("<svg class=\"chart\"", -1)).hasSize(6);
        // Loss (5), quality (3: no benchmark set in this run), weights (3), throughput (2), latency
        // (2).
        assertThat(rendered.split("<polyline class=\"series\"", -1)).hasSize(16);
        assertThat(dom.log()).doesNotContain("Uncaught").doesNotContain(":CONSOLE(");

        Path png = dir.resolve("report.png");
        Browser shot =
                chromium("--screenshot=" + png, "--window-size=900,2400", html.toUri().toString());
        assertThat(shot.exitCode()).as("chromium screenshot; log: %s", shot.log()).isZero();
        byte[] image = Files.readAllBytes(png);
        assertThat(image).hasSizeGreaterThan(20_000);
        assertThat(new String(image, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    private record Browser(int exitCode, String stdout, String log) {}

    /** Headless Chromium with the flags this closed network needs (no background connections). */
    private static Browser chromium(String... args) throws Exception {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                CHROMIUM.toString(),
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--enable-logging=stderr",
                                "--v=0",
                                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium")));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path log = Files.createTempFile(dir, "log", ".txt");
        Process p =
                new ProcessBuilder(cmd)
                        .redirectOutput(out.toFile())
                        .redirectError(log.toFile())
                        .start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    "chromium did not finish within 90 s: " + Files.readString(log));
        }
        return new Browser(p.exitValue(), Files.readString(out), Files.readString(log));
    }
}
