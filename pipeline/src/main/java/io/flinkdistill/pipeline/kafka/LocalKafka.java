package io.flinkdistill.pipeline.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka broker (combined broker and controller) in a child JVM on 127.0.0.1,
 * started from the Kafka classes on this JVM's classpath. Its data lives under a directory of the
 * caller's; {@link #close()} stops it, and so does a shutdown hook (Ctrl-C included).
 */
public final class LocalKafka implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final int port;
    private volatile Process process;
    private final Thread shutdownHook;

    private LocalKafka(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.shutdownHook = new Thread(this::stopProcess, "local-kafka-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Formats storage under {@code dir}, starts the broker and waits until it answers. */
    public static LocalKafka start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = freePort();
        int controllerPort = freePort();
        Path config = dir.resolve("server.properties");
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty(
                "listeners",
                "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("data").toAbsolutePath().toString());
        p.setProperty("num.partitions", "1");
        // A single node: every internal topic must live with one replica.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        try (var out = Files.newBufferedWriter(config)) {
            p.store(out, "flink-distill local broker");
        }
        Path log = dir.resolve("broker.log");
        String clusterId = Uuid.randomUuid().toString();
        Process format =
                javaProcess(
                                dir,
                                log,
                                "kafka.tools.StorageTool",
                                "format",
                                "-t",
                                clusterId,
                                "-c",
                                config.toString(),
                                "--ignore-formatted")
                        .start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IOException(
                    "Could not format local Kafka storage in " + dir + "; see " + log);
        }
        Process broker = javaProcess(dir, log, "kafka.Kafka", config.toString()).start();
        LocalKafka kafka = new LocalKafka(dir, port, broker);
        try {
            kafka.awaitReady();
        } catch (IOException | RuntimeException | InterruptedException e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    /**
     * Stops the broker (as a crash would: forcibly) and starts it again on the same ports and data,
     * waiting until it answers; for fault-injection tests.
     */
    public void restart() throws IOException, InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        process =
                javaProcess(
                                dir,
                                dir.resolve("broker.log"),
                                "kafka.Kafka",
                                dir.resolve("server.properties").toString())
                        .start();
        awaitReady();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        try (Admin admin = Admin.create(props)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException(
                            "Local Kafka broker exited with code "
                                    + process.exitValue()
                                    + "; see "
                                    + dir.resolve("broker.log"));
                }
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    // keep waiting until the deadline
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(
                            "Local Kafka broker did not answer within "
                                    + START_TIMEOUT.toSeconds()
                                    + " s; see "
                                    + dir.resolve("broker.log"));
                }
                Thread.sleep(200);
            }
        }
    }

    private static ProcessBuilder javaProcess(
            Path dir, Path log, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Dlog4j2.configurationFile=" + brokerLogConfig(dir));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    private static String brokerLogConfig(Path dir) {
        Path file = dir.resolve("log4j2-broker.properties");
        if (!Files.exists(file)) {
            try {
                Files.writeString(
                        file,
                        String.join(
                                "\n",
                                "rootLogger.level = WARN",
                                "rootLogger.appenderRef.console.ref = Console",
                                "appender.console.type = Console",
                                "appender.console.name = Console",
                                "appender.console.layout.type = PatternLayout",
                                "appender.console.layout.pattern = %d %-5p [%c] %m%n",
                                ""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file.toAbsolutePath().toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private void stopProcess() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // already running the hooks
        }
    }
}
