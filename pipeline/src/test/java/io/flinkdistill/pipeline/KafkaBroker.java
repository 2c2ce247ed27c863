package io.flinkdistill.pipeline;

import io.flinkdistill.pipeline.kafka.LocalKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Kills the broker (as a crash would) and starts it again on the same port and data. */
    void restart() throws IOException, InterruptedException {
        kafka.restart();
    }
}
