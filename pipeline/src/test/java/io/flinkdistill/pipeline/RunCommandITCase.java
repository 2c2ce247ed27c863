package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code distill run} as a user starts it: its own {@code main} in a JVM of its own, unbounded, on
 * its default settings (a default-size student, a local MiniCluster, checkpoints every 10 s into
 * the default folder) against a real KRaft broker. Stopping and starting the command continues the
 * same student; a checkpoint folder that stops accepting writes ends the command with a message
 * naming {@code --checkpoint-dir} instead of a silent restart loop.
 */
class RunCommandITCase {
    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final int BATCH = 32;
    private static final double EVAL_FRACTION = 0.05;
    private static final Pattern CHECKPOINTED =
            Pattern.compile(
                    "Checkpoint (\\d+): student student at step (\\d+) after (\\d+) samples, weights fingerprint (\\w+)");
    private static final Pattern RESTORED =
            Pattern.compile(
                    "Restored student student at step (\\d+) after (\\d+) samples, weights fingerprint (\\w+)");

    @TempDir static Path dir;
    @RegisterExtension static final TestBed BED = TestBed.kafka();
    private static ClusterRuns.Prepared prepared;

    @BeforeAll
    static void start() throws Exception {
        prepared = ClusterRuns.prepare(BED.broker().bootstrapServers(), dir, 11);
    }

    @Test
    void shouldCheckpointAndContinueTheSameStudentAfterARestartTrainingEverySampleOnce()
            throws Exception {
        EvalSplit split = new EvalSplit(EVAL_FRACTION);
        List<TsvRow> pool = prepared.rows().subList(300, prepared.rows().size());
        // The first part, then enough rows that every training sample fills a whole batch (a
        // partial batch waits for more samples in an unbounded stream).
        List<TsvRow> first = pool.subList(0, 1200);
        int end = 1600;
        while (trainCount(split, pool.subList(0, end)) % BATCH != 0) {
            end++;
        }
        List<TsvRow> second = pool.subList(1200, end);
        long expected = trainCount(split, pool.subList(0, end));
        Path work = Files.createDirectories(dir.resolve("run"));
        String[] args = {
            "run",
            "--bootstrap-servers",
            BED.broker().bootstrapServers(),
            "--teacher-head",
            prepared.headFile().toString()
        };

        SampleProducer.produce(
                prepared.client(), "distill.samples", prepared.data(), first, 1, r -> true, 0);
        List<String> run1;
        try (Command c = Command.start(work, args)) {
            c.await(
                    "three completed checkpoints",
                    out ->
                            out.stream()
                                                    .filter(
                                                            l ->
                                                                    l.contains("] checkpoint ")
                                                                            && l.contains(
                                                                                    " completed"))
                                                    .count()
                                            >= 3
                                    && out.stream().anyMatch(CHECKPOINTED.asPredicate()));
            run1 = c.output();
        }
        assertThat(run1).anyMatch(l -> l.contains("Starting a new student"));
        assertThat(run1)
                .anyMatch(
                        l ->
                                l.startsWith("Checkpoints: file:")
                                        && l.contains(
                                                work.resolve("checkpoints")
                                                        .resolve("student")
                                                        .toString()));

        SampleProducer.produce(
                prepared.client(), "distill.samples", prepared.data(), second, 1, r -> true, 0);
        List<String> run2;
        try (Command c = Command.start(work, args)) {
            c.await(
                    "where the run starts from",
                    out ->
                            out.stream()
                                    .anyMatch(
                                            l ->
                                                    l.startsWith("Resuming from ")
                                                            || l.startsWith(
                                                                    "Starting a new student")));
            assertThat(c.output())
                    .anyMatch(l -> l.startsWith("Resuming from ") && l.contains("/chk-"));
            c.await(
                    "a checkpoint of every sample",
                    out ->
                            checkpointed(out).stream()
                                    .anyMatch(m -> Long.parseLong(m.group(3)) == expected));
            // One more checkpoint: nothing is trained twice once the backlog is done.
            int seen = checkpointed(c.output()).size();
            c.await("one more checkpoint", out -> checkpointed(out).size() > seen);
            run2 = c.output();
        }
        assertThat(run2).anyMatch(l -> l.startsWith("Resuming from ") && l.contains("/chk-"));
        Matcher restored =
                run2.stream()
                        .map(RESTORED::matcher)
                        .filter(Matcher::find)
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no restore line in " + run2));
        long restoredStep = Long.parseLong(restored.group(1));
        assertThat(restoredStep).as("steps the restored student had taken").isPositive();
        // The restored student is one the first run checkpointed: same step, samples, weights.
        assertThat(checkpointed(run1))
                .as("first run's checkpoints")
                .anySatisfy(
                        m -> {
                            assertThat(m.group(2)).isEqualTo(restored.group(1));
                            assertThat(m.group(3)).isEqualTo(restored.group(2));
                            assertThat(m.group(4)).isEqualTo(restored.group(3));
                        });
        List<Long> trained =
                checkpointed(run2).stream().map(m -> Long.parseLong(m.group(3))).toList();
        assertThat(trained).isSorted().allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(expected));
        assertThat(trained.get(trained.size() - 1))
                .as("samples trained = training samples produced (%d rows)", end)
                .isEqualTo(expected);
    }

    @Test
    void shouldRefuseToStartWhenOneOfItsTopicsIsMissingNamingTheOption() throws Exception {
        // Found on a cluster: a metrics topic that did not exist restarted the job every minute
        // ("Topic ... not present in metadata after 60000 ms"), with nothing said at submission.
        String[][] cases = {
            {"--samples-topic", "no.such.samples"},
            {"--metrics-topic", "no.such.metrics"},
            {"--dlq-topic", "no.such.dlq"},
            {"--control-topic", "no.such.control"},
            {"--models-topic", "no.such.models"}
        };
        for (String[] c : cases) {
            Path work = Files.createDirectories(dir.resolve("missing" + c[0]));
            try (Command run = startRun(work, c[0], c[1])) {
                int code = run.exitCode();
                String out = String.join("\n", run.output());
                assertThat(code).as("exit code; output:%n%s", out).isEqualTo(2);
                assertThat(out)
                        .contains(
                                "Invalid option "
                                        + c[0]
                                        + ": topic "
                                        + c[1]
                                        + " does not exist on "
                                        + BED.broker().bootstrapServers());
            }
        }
    }

    @Test
    void shouldStopNamingTheCheckpointDirWhenCheckpointsCannotBeWritten() throws Exception {
        Path checkpoints = dir.resolve("broken-checkpoints");
        Path work = Files.createDirectories(dir.resolve("broken-run"));
        try (Command c =
                startRun(
                        work,
                        "--group-id",
                        "broken",
                        "--checkpoint-dir",
                        checkpoints.toString(),
                        "--checkpoint-interval-ms",
                        "1000",
                        "--max-consecutive-failures",
                        "3")) {
            c.await(
                    "a completed checkpoint",
                    out ->
                            out.stream()
                                    .anyMatch(
                                            l ->
                                                    l.contains("] checkpoint ")
                                                            && l.contains(" completed")));
            // The job's checkpoint folder becomes a plain file: no checkpoint can be written any
            // more (file permissions would not stop a root user).
            Path jobDir;
            try (Stream<Path> s = Files.list(checkpoints)) {
                jobDir =
                        s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{32}"))
                                .findFirst()
                                .orElseThrow();
            }
            // Renamed away (atomic; deleting raced with a checkpoint being written into it),
            // then a file in its place; again if a checkpoint recreated the folder in between.
            Path moved = Files.createDirectories(dir.resolve("broken-checkpoints-moved"));
            for (int attempt = 0; ; attempt++) {
                try {
                    Files.move(jobDir, moved.resolve("attempt-" + attempt));
                    Files.writeString(jobDir, "not a folder", StandardOpenOption.CREATE_NEW);
                    break;
                } catch (IOException race) {
                    assertThat(attempt).as("replacing %s: %s", jobDir, race).isLessThan(20);
                }
            }
            int code = c.exitCode();
            List<String> out = c.output();
            assertThat(code).as("exit code; output:%n%s", String.join("\n", out)).isEqualTo(1);
            assertThat(out).anyMatch(l -> l.contains("FAILED") && l.contains("in a row"));
            assertThat(out)
                    .anyMatch(
                            l ->
                                    l.startsWith("distill: stopped:")
                                            && l.contains("--checkpoint-dir")
                                            && l.contains(jobDir.getFileName().toString()));
        }
    }

    /** {@code distill run} on the test's broker with its teacher head, then {@code more}. */
    private static Command startRun(Path work, String... more) throws IOException {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "run",
                                "--bootstrap-servers",
                                BED.broker().bootstrapServers(),
                                "--teacher-head",
                                prepared.headFile().toString()));
        args.addAll(List.of(more));
        return Command.start(work, args.toArray(String[]::new));
    }

    private static long trainCount(EvalSplit split, List<TsvRow> rows) {
        return rows.stream().filter(r -> !split.isEval(prepared.data().idOf(r))).count();
    }

    private static List<Matcher> checkpointed(List<String> lines) {
        List<Matcher> found = new ArrayList<>();
        for (String l : lines) {
            Matcher m = CHECKPOINTED.matcher(l);
            if (m.find()) {
                found.add(m);
            }
        }
        return found;
    }

    /** The {@code distill} command line in a JVM of its own, its output collected line by line. */
    static final class Command implements AutoCloseable {
        private final Process process;
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;

        private Command(Process process) {
            this.process = process;
            this.reader =
                    new Thread(
                            () -> {
                                try (BufferedReader r =
                                        new BufferedReader(
                                                new InputStreamReader(
                                                        process.getInputStream(),
                                                        StandardCharsets.UTF_8))) {
                                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                                        System.out.println("  run> " + l);
                                        lines.add(l);
                                    }
                                } catch (IOException ended) {
                                    // The process is gone.
                                }
                            });
            reader.setDaemon(true);
            reader.start();
        }

        static Command start(Path workDir, String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(
                    List.of(
                            "-Xmx3g",
                            "-Dai.djl.offline=true",
                            "--add-opens=java.base/java.util=ALL-UNNAMED",
                            "--add-opens=java.base/java.lang=ALL-UNNAMED",
                            "--add-opens=java.base/java.nio=ALL-UNNAMED",
                            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                            // The command's own logging, as in the shipped jar (not the tests').
                            "-Dlog4j2.configurationFile="
                                    + Path.of("target", "classes", "log4j2.properties")
                                            .toAbsolutePath(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            "io.flinkdistill.pipeline.cli.DistillCli"));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
            pb.redirectErrorStream(true);
            pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
            return new Command(pb.start());
        }

        List<String> output() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        void await(String what, Predicate<List<String>> condition) throws InterruptedException {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!condition.test(output())) {
                if (!process.isAlive()) {
                    reader.join(5000);
                    if (condition.test(output())) {
                        return;
                    }
                    throw new AssertionError(
                            "distill ended (exit " + process.exitValue() + ") before " + what);
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("waited " + DEADLINE + " in vain for " + what);
                }
                Thread.sleep(250);
            }
        }

        int exitCode() throws InterruptedException {
            return exitCode(DEADLINE);
        }

        /** The exit code, waiting at most {@code deadline} for the command to end. */
        int exitCode(Duration deadline) throws InterruptedException {
            if (!process.waitFor(deadline.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("distill still running after " + deadline);
            }
            reader.join(5000);
            return process.exitValue();
        }

        /** Stops the command as Ctrl-C or a service manager would (SIGTERM), then waits. */
        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
            reader.join(5000);
        }
    }
}
