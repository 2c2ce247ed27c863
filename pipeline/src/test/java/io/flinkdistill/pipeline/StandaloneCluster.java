package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A standalone Flink cluster from {@code deploy/local-cluster.sh} (a JobManager and this many
 * TaskManager JVMs) per test class, started before its first test and stopped after its last.
 */
final class StandaloneCluster implements BeforeAllCallback, AfterAllCallback {
    private final int taskManagers;
    private LocalClusterScript script;

    StandaloneCluster(int taskManagers) {
        this.taskManagers = taskManagers;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        script =
                new LocalClusterScript(
                        Files.createTempDirectory("cluster-" + context.getDisplayName()),
                        taskManagers);
        String started = script.run("start");
        if (!started.contains(taskManagers + " TaskManager(s)")) {
            throw new IllegalStateException("the cluster did not start: " + started);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (script != null) {
            try {
                script.run("stop");
            } finally {
                TestDirs.delete(script.dir());
            }
        }
    }

    /** Runs one of the script's commands; its output. */
    String run(String... args) throws Exception {
        return script.run(args);
    }

    /** Runs a command with extra environment variables; its output. */
    String run(Map<String, String> env, List<String> args) throws Exception {
        return script.run(env, args);
    }

    /**
     * What a TaskManager kill did: which TaskManager, and for each job that restarted (by id), how
     * long Flink took to notice the loss and then to run the job again.
     */
    record Outage(String taskManager, Map<String, Duration[]> noticedAndBack) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("Killed " + taskManager + ":");
            noticedAndBack.forEach(
                    (job, d) ->
                            s.append(
                                    String.format(
                                            " job %s: failure noticed after %d ms, running again"
                                                    + " %d ms later;",
                                            job, d[0].toMillis(), d[1].toMillis())));
            return s.toString();
        }
    }

    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("HH:mm:ss,SSS");

    /** A job's state change in the JobManager's log: time, job id, new state. */
    private static final Pattern JOB_TRANSITION =
            Pattern.compile(
                    "(\\d\\d:\\d\\d:\\d\\d,\\d{3}) .*\\((\\p{XDigit}{32})\\) switched from state"
                            + " (\\w+) to (\\w+)\\.");

    /**
     * Kills the TaskManager with the most busy slots ({@code kill -9}), starts a fresh one, and
     * waits (2 minutes at most) until every job that the JobManager's log shows restarting after
     * the kill runs again, at least one.
     */
    Outage killBusyTaskManagerAndAwaitRestart() throws Exception {
        return killBusyTaskManagerAndAwaitRestart("");
    }

    /** As above, among the TaskManagers that run subtasks of this job (all when empty). */
    Outage killBusyTaskManagerAndAwaitRestart(String ofJob) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        LocalTime kill = LocalTime.now();
        String killed = null;
        while (killed == null) {
            try {
                killed = run("kill-busy-taskmanager", ofJob);
            } catch (AssertionError notYetRunning) {
                assertThat(System.nanoTime()).as("a busy TaskManager to kill").isLessThan(deadline);
                Thread.sleep(500);
                kill = LocalTime.now();
            }
        }
        run("add-taskmanager");
        while (true) {
            Map<String, LocalTime> noticed = new LinkedHashMap<>();
            Map<String, Duration[]> back = new LinkedHashMap<>();
            Matcher m =
                    JOB_TRANSITION.matcher(Files.readString(dir().resolve("log/jobmanager.log")));
            while (m.find()) {
                LocalTime t = LocalTime.parse(m.group(1), LOG_TIME);
                String job = m.group(2);
                if (t.isBefore(kill) || back.containsKey(job)) {
                    continue;
                }
                if (!noticed.containsKey(job) && m.group(4).equals("RESTARTING")) {
                    noticed.put(job, t);
                } else if (noticed.containsKey(job) && m.group(4).equals("RUNNING")) {
                    back.put(
                            job,
                            new Duration[] {
                                Duration.between(kill, noticed.get(job)),
                                Duration.between(noticed.get(job), t)
                            });
                }
            }
            if (!noticed.isEmpty() && back.keySet().equals(noticed.keySet())) {
                Outage outage = new Outage(killed, back);
                System.out.println(outage);
                return outage;
            }
            assertThat(System.nanoTime())
                    .as("the jobs restarted after the kill (restarting: %s)", noticed.keySet())
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    /** The cluster's directory (its {@code log/} included). */
    Path dir() {
        return script.dir();
    }
}
