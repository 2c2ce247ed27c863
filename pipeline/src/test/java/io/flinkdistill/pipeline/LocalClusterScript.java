package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Drives {@code deploy/local-cluster.sh} for a test: its own directory and a free REST port. */
final class LocalClusterScript {
    private static final Path SCRIPT =
            Path.of("..", "deploy", "local-cluster.sh").toAbsolutePath().normalize();

    private final Map<String, String> env;
    private final Path dir;

    LocalClusterScript(Path dir, int taskManagers) throws Exception {
        this.dir = dir;
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        env =
                Map.of(
                        "CLUSTER_DIR", dir.toString(),
                        "REST_PORT", Integer.toString(port),
                        "TASKMANAGERS", Integer.toString(taskManagers),
                        "SLOTS", "2",
                        "TM_MEMORY", "2500m");
    }

    Path dir() {
        return dir;
    }

    /** Runs the script; asserts it succeeds; returns its last output line. */
    String run(String... args) throws Exception {
        return run(Map.of(), List.of(args));
    }

    String run(Map<String, String> extraEnv, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("bash");
        command.add(SCRIPT.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("local-cluster.sh %s ended", args).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("local-cluster.sh %s: %s", args, text).isZero();
        String[] lines = text.trim().split("\\n");
        return lines[lines.length - 1].trim();
    }
}
