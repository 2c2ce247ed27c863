package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * Watches a running job through Flink's REST API and says on the console what a user would
 * otherwise only find in the web UI: every checkpoint that completes (size, time) or fails (with
 * its reason), every failure that restarts the job (with its root cause) and status changes. A job
 * that cannot make progress is stopped instead of looping: after {@code maxInARow} failed
 * checkpoints without one that completed, or as many restarts in a row with the same cause, it is
 * cancelled and {@link #watch()} returns a non-zero exit code with a message naming what to fix.
 */
final class JobWatcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofSeconds(1);

    /** Failures in a row before a job that demo or soak follow is stopped (run: an option). */
    static final int DEFAULT_MAX_IN_A_ROW = 5;

    /**
     * Failures Flink itself counts against the tolerable number (storage, asynchronous snapshot,
     * declined, expired); the others (a task closing at the end of a bounded input, tasks not yet
     * running, a failover in progress) say nothing about whether checkpoints can succeed.
     */
    private static final List<String> COUNTED =
            java.util.stream.Stream.of(
                            org.apache.flink.runtime.checkpoint.CheckpointFailureReason
                                    .IO_EXCEPTION,
                            org.apache.flink.runtime.checkpoint.CheckpointFailureReason
                                    .CHECKPOINT_ASYNC_EXCEPTION,
                            org.apache.flink.runtime.checkpoint.CheckpointFailureReason
                                    .CHECKPOINT_DECLINED,
                            org.apache.flink.runtime.checkpoint.CheckpointFailureReason
                                    .CHECKPOINT_EXPIRED)
                    .map(r -> r.message())
                    .toList();

    static boolean counts(String failureMessage) {
        return COUNTED.stream().anyMatch(m -> failureMessage.trim().startsWith(m));
    }

    private final URI rest;
    private final JobClient job;
    private final int maxInARow;
    private final String checkpointDir;
    private final long start;
    private final PrintStream out;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Set<Long> reportedCheckpoints = new HashSet<>();
    private long lastExceptionMillis;
    private String lastState = "";
    private int failedCheckpointsInARow;
    private String lastCheckpointFailure = "";
    private String lastCause = "";
    private int sameCauseInARow;
    private long completedCount;
    private long failedCount;
    private long lastFailedId = -1;
    private int restFailures;
    private String storageProblem;
    private volatile boolean expectedEnd;

    JobWatcher(
            URI rest,
            JobClient job,
            int maxInARow,
            String checkpointDir,
            long startNanos,
            PrintStream out) {
        this.rest = rest;
        this.job = job;
        this.maxInARow = maxInARow;
        this.checkpointDir = checkpointDir;
        this.start = startNanos;
        this.out = out;
    }

    /**
     * Points a local MiniCluster's REST endpoint at a free loopback port and returns its address,
     * so that a watcher can follow the job.
     */
    static URI localRest(Configuration conf) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, Integer.toString(port));
        conf.set(RestOptions.PORT, port);
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /**
     * A watcher of a local job on a daemon thread, for commands that wait on the job themselves
     * (demo, soak): a job stopped for failing in a loop is cancelled, which ends their wait with an
     * error. {@code conf} is the job's configuration, with its checkpoint directory.
     */
    static JobWatcher inBackground(URI rest, JobClient job, Configuration conf, long startNanos) {
        JobWatcher w =
                new JobWatcher(
                        rest,
                        job,
                        DEFAULT_MAX_IN_A_ROW,
                        conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY),
                        startNanos,
                        System.out);
        w.watchInBackground();
        return w;
    }

    private void watchInBackground() {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                watch(System.err);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "job-watcher");
        t.setDaemon(true);
        t.start();
    }

    /** The job is about to end on purpose (cancelled by its command): say nothing of it. */
    void expectEnd() {
        expectedEnd = true;
    }

    /**
     * Follows the job until it ends or is stopped; returns 0 when it finished, 1 when it failed or
     * was stopped for failing in a loop (the reason on the console and in {@code err}).
     */
    int watch(PrintStream err) throws InterruptedException {
        var result = job.getJobExecutionResult();
        while (true) {
            try {
                result.get(POLL.toMillis(), TimeUnit.MILLISECONDS);
                poll();
                return 0;
            } catch (TimeoutException running) {
                poll();
                String stop = expectedEnd ? null : stopReason();
                if (stop != null) {
                    err.println("distill: stopped: " + stop);
                    try {
                        job.cancel().get(60, TimeUnit.SECONDS);
                        // Wait until every task has ended: a process that exits while a task
                        // still runs ONNX Runtime can crash in its native teardown (seen once as
                        // a SIGSEGV in libonnxruntime.so and exit code 134 instead of 1).
                        result.handle((r, e) -> null).get(60, TimeUnit.SECONDS);
                    } catch (ExecutionException | TimeoutException e) {
                        err.println("distill: cancelling the job failed: " + e);
                    }
                    return 1;
                }
            } catch (ExecutionException | java.util.concurrent.CancellationException failed) {
                if (expectedEnd) {
                    return 0;
                }
                poll();
                err.println("distill: the job failed: " + rootCause(failed));
                return 1;
            }
        }
    }

    private String stopReason() {
        if (failedCheckpointsInARow >= maxInARow) {
            return failedCheckpointsInARow
                    + " checkpoints in a row failed (last: "
                    + lastCheckpointFailure
                    + (storageProblem != null
                            ? "; the checkpoint folder is not writable: " + storageProblem
                            : lastCause.isEmpty() ? "" : "; cause: " + lastCause)
                    + "). Checkpoints go to "
                    + checkpointDir
                    + " (--checkpoint-dir): check that it exists, is writable from every"
                    + " TaskManager and has room, or give another --checkpoint-dir.";
        }
        if (sameCauseInARow >= maxInARow) {
            return "the job failed "
                    + sameCauseInARow
                    + " times in a row, always with: "
                    + lastCause
                    + (completedCount == 0
                            ? ". No checkpoint completed in between (--checkpoint-dir "
                                    + checkpointDir
                                    + ")."
                            : ".");
        }
        return null;
    }

    private void poll() {
        try {
            String id = job.getJobID().toHexString();
            JsonNode info = get("/jobs/" + id);
            String state = info.path("state").asText("");
            if (!state.isEmpty() && !state.equals(lastState)) {
                if (!lastState.isEmpty() || !state.equals("RUNNING")) {
                    line("job " + state.toLowerCase(Locale.ROOT));
                }
                lastState = state;
            }
            checkpoints(get("/jobs/" + id + "/checkpoints"));
            exceptions(get("/jobs/" + id + "/exceptions?maxExceptions=20"));
            restFailures = 0;
        } catch (IOException e) {
            // The job may not be known yet right after submission; say so once if it lasts.
            if (++restFailures == 10) {
                line("cannot follow checkpoints and restarts through " + rest + ": " + e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkpoints(JsonNode stats) {
        long completed = stats.path("counts").path("completed").asLong();
        long failed = stats.path("counts").path("failed").asLong();
        List<JsonNode> history = new ArrayList<>();
        stats.path("history").forEach(history::add);
        history.sort((a, b) -> Long.compare(a.path("id").asLong(), b.path("id").asLong()));
        int failedShown = 0;
        int uncountedShown = 0;
        for (JsonNode c : history) {
            long id = c.path("id").asLong();
            String status = c.path("status").asText("");
            if (reportedCheckpoints.contains(id) || status.equals("IN_PROGRESS")) {
                continue;
            }
            reportedCheckpoints.add(id);
            if (status.equals("COMPLETED")) {
                line(
                        String.format(
                                Locale.ROOT,
                                "checkpoint %d completed: %.1f MB in %.1f s",
                                id,
                                c.path("state_size").asLong() / 1e6,
                                c.path("end_to_end_duration").asLong() / 1e3));
            } else if (status.equals("FAILED")) {
                String message = c.path("failure_message").asText("no reason given");
                if (!counts(message)) {
                    uncountedShown++;
                    line("checkpoint " + id + " not taken: " + message);
                    continue;
                }
                failedShown++;
                lastCheckpointFailure = message;
                line(
                        "checkpoint "
                                + id
                                + " FAILED ("
                                + (failedCheckpointsInARow + failedShown)
                                + " in a row): "
                                + lastCheckpointFailure);
            }
        }

        // Checkpoints that fail before they start (their storage location cannot be created)
        // are counted but never enter the history; those refused while tasks are still starting
        // have no failure record at all and are not failures of storage.
        long newFailures = failed - failedCount - uncountedShown;
        JsonNode latestFailed = stats.path("latest").path("failed");
        long latestFailedId = latestFailed.path("id").asLong(-1);
        if (newFailures > failedShown) {
            if (latestFailedId >= 0
                    && latestFailedId != lastFailedId
                    && counts(latestFailed.path("failure_message").asText(""))) {
                lastCheckpointFailure =
                        latestFailed.path("failure_message").asText("no reason given");
                line(
                        (newFailures - failedShown)
                                + " checkpoint(s) FAILED before they started ("
                                + (failedCheckpointsInARow + newFailures)
                                + " in a row): "
                                + lastCheckpointFailure);
            } else {
                newFailures = failedShown;
            }
        }
        lastFailedId = Math.max(lastFailedId, latestFailedId);
        if (newFailures > 0) {
            String problem =
                    StorageProbe.problem(
                            new org.apache.flink.core.fs.Path(
                                    new org.apache.flink.core.fs.Path(checkpointDir),
                                    job.getJobID().toHexString()));
            if (problem != null && !problem.equals(storageProblem)) {
                line("checkpoint storage is not writable: " + problem);
            }
            storageProblem = problem;
        }
        // A completed checkpoint ends a streak; failures seen in the same poll count as later.
        if (completed > completedCount) {
            failedCheckpointsInARow = 0;
            sameCauseInARow = 0;
        }
        failedCheckpointsInARow += (int) Math.max(0, newFailures);
        completedCount = completed;
        failedCount = failed;
    }

    private void exceptions(JsonNode body) {
        List<JsonNode> entries = new ArrayList<>();
        body.path("exceptionHistory").path("entries").forEach(entries::add);
        entries.sort(
                (a, b) -> Long.compare(a.path("timestamp").asLong(), b.path("timestamp").asLong()));
        for (JsonNode e : entries) {
            long at = e.path("timestamp").asLong();
            if (at <= lastExceptionMillis) {
                continue;
            }
            lastExceptionMillis = at;
            String trace = e.path("stacktrace").asText("");
            String cause = rootCause(trace, e.path("exceptionName").asText("unknown failure"));
            String kind = cause.replaceAll("[0-9]+", "#");
            sameCauseInARow =
                    kind.equals(lastCause.replaceAll("[0-9]+", "#")) ? sameCauseInARow + 1 : 1;
            lastCause = cause;
            String task = e.path("taskName").asText("");
            line(
                    "failure"
                            + (task.isEmpty() ? "" : " in " + task)
                            + " ("
                            + sameCauseInARow
                            + " in a row with this cause): "
                            + firstLine(trace, e.path("exceptionName").asText(""))
                            + (cause.equals(firstLine(trace, ""))
                                    ? ""
                                    : " | root cause: " + cause));
        }
    }

    /** The innermost "Caused by" of a printed stack trace, else its first line. */
    static String rootCause(String trace, String fallback) {
        String cause = null;
        for (String l : trace.split("\n")) {
            if (l.startsWith("Caused by: ")) {
                cause = l.substring("Caused by: ".length()).trim();
            }
        }
        return cause != null ? cause : firstLine(trace, fallback);
    }

    private static String rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.toString();
    }

    private static String firstLine(String trace, String fallback) {
        String first = trace.isBlank() ? fallback : trace.split("\n", 2)[0].trim();
        return first.isEmpty() ? fallback : first;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(rest.resolve(path))
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + " for " + path);
        }
        return JSON.readTree(r.body());
    }

    private void line(String s) {
        out.printf(Locale.ROOT, "[%5.0fs] %s%n", (System.nanoTime() - start) / 1e9, s);
    }
}
