package io.flinkdistill.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    /** The cluster's directory (its {@code log/} included). */
    Path dir() {
        return script.dir();
    }
}
