package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.kafka.LocalKafka;
import io.flinkdistill.pipeline.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill kafka}: the demo's single-node KRaft broker on its own, with the five topics,
 * until Ctrl-C: for trying {@code run}, {@code produce}, {@code serve} and the local cluster
 * without a Kafka installation.
 */
@Command(
        name = "kafka",
        mixinStandardHelpOptions = true,
        description =
                "Start a local single-node Kafka broker (KRaft) with the job's topics; Ctrl-C stops it.")
public final class KafkaCommand implements Callable<Integer> {
    @Option(
            names = "--dir",
            defaultValue = "kafka-data",
            description = "Where the broker keeps its data (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(
            names = "--samples-partitions",
            defaultValue = "2",
            description = "Partitions of distill.samples (default: ${DEFAULT-VALUE}).")
    int samplesPartitions;

    @Override
    public Integer call() throws Exception {
        JobOptions.atLeastOption("--samples-partitions", samplesPartitions, 1);
        try (LocalKafka kafka = LocalKafka.start(dir)) {
            Map<String, Integer> topics = new LinkedHashMap<>();
            topics.put("distill.samples", samplesPartitions);
            for (String t :
                    new String[] {
                        "distill.metrics",
                        "distill.samples.dlq",
                        "distill.control",
                        "distill.models"
                    }) {
                topics.put(t, 1);
            }
            Topics.ensure(
                    Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    topics,
                    Duration.ofSeconds(60));
            System.out.println("bootstrap.servers=" + kafka.bootstrapServers());
            System.out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }
}
