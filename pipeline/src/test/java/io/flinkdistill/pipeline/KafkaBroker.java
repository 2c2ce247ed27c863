package io.flinkdistill.pipeline;

import io.flinkdistill.pipeline.kafka.LocalKafka;
import io.flinkdistill.pipeline.kafka.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real KRaft broker (a child JVM) per test class: started before the class's first test,
 * stopped, with its data, after its last. Register it as a static field with {@code
 * RegisterExtension}.
 */
final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private LocalKafka kafka;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("kafka-" + context.getDisplayName());
        kafka = LocalKafka.start(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } finally {
            TestDirs.delete(dir);
        }
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /**
     * Creates these topics (name to partitions) unless they exist, within 30 s, and returns the
     * client configuration that reaches this broker.
     */
    Map<String, Object> withTopics(Map<String, Integer> partitionsByTopic) throws Exception {
        Map<String, Object> client = Map.of("bootstrap.servers", bootstrapServers());
        Topics.ensure(client, partitionsByTopic, Duration.ofSeconds(30));
        return client;
    }

    /**
     * Sends these lines, one record each, through Kafka's own console producer (the class behind
     * {@code kafka-console-producer.sh}) in a child JVM; fails unless it exits 0 within 2 minutes.
     * Its output goes to {@code log}.
     */
    void consoleProduce(String topic, List<String> lines, Path log) throws Exception {
        Process p =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                "org.apache.kafka.tools.ConsoleProducer",
                                "--bootstrap-server",
                                bootstrapServers(),
                                "--topic",
                                topic)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("console producer still running after 2 minutes");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(
                    "console producer exited with " + p.exitValue() + ": " + Files.readString(log));
        }
    }

    /** Kills the broker (as a crash would) and starts it again on the same port and data. */
    void restart() throws IOException, InterruptedException {
        kafka.restart();
    }
}
