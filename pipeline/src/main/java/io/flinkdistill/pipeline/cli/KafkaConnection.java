package io.flinkdistill.pipeline.cli;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How a command reaches Kafka ({@code --bootstrap-servers}, {@code --kafka-property}): one picocli
 * mixin for every command that talks to a broker.
 */
final class KafkaConnection {
    @Option(
            names = "--bootstrap-servers",
            description =
                    "Kafka bootstrap servers (distill demo starts a local broker when absent).")
    String bootstrapServers;

    @Option(
            names = "--kafka-property",
            description =
                    "Extra Kafka client property KEY=VALUE (e.g. security settings); repeatable.")
    Map<String, String> properties = new HashMap<>();

    /** Whether {@code --bootstrap-servers} was given. */
    boolean given() {
        return bootstrapServers != null;
    }

    /** The bootstrap servers; fails naming the option when it was not given. */
    String require(String why) {
        if (bootstrapServers == null) {
            throw new JobOptions.OptionException("--bootstrap-servers", "is required " + why);
        }
        return bootstrapServers;
    }

    /** Client configuration for the given servers, with every {@code --kafka-property}. */
    Map<String, Object> clientConfig(String bootstrap) {
        Map<String, Object> config = new HashMap<>(properties);
        config.put("bootstrap.servers", bootstrap);
        return config;
    }

    /** Client configuration for {@code --bootstrap-servers}, which must have been given. */
    Map<String, Object> clientConfig() {
        return clientConfig(require("to reach Kafka"));
    }
}
