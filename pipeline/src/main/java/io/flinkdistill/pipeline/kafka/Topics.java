package io.flinkdistill.pipeline.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics if they are missing and waits until every partition has a leader: producing right
 * after {@code createTopics} returns can otherwise lose a batch.
 */
public final class Topics {
    private Topics() {}

    /**
     * The topics that do not exist on the cluster, asked within {@code timeout}.
     *
     * @throws IllegalStateException when no broker answers in time (the message names the servers)
     */
    public static List<String> missing(
            Map<String, Object> clientConfig, List<String> topics, Duration timeout)
            throws InterruptedException {
        Properties props = new Properties();
        props.putAll(clientConfig);
        int millis = (int) Math.max(1000, timeout.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(millis));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(millis));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(millis, TimeUnit.MILLISECONDS);
            return topics.stream().filter(t -> !existing.contains(t)).toList();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(
                    "no Kafka broker answered at "
                            + clientConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
                            + " within "
                            + timeout.toSeconds()
                            + " s",
                    e);
        }
    }

    public static void ensure(
            Map<String, Object> clientConfig,
            Map<String, Integer> partitionsByTopic,
            Duration timeout)
            throws InterruptedException {
        Properties props = new Properties();
        props.putAll(clientConfig);
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(props)) {
            Set<String> existing =
                    admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            partitionsByTopic.forEach(
                    (topic, partitions) -> {
                        if (!existing.contains(topic)) {
                            missing.add(new NewTopic(topic, partitions, (short) 1));
                        }
                    });
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing)
                            .all()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            awaitLeaders(admin, partitionsByTopic.keySet(), timeout);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(
                    "Could not create or describe topics "
                            + partitionsByTopic.keySet()
                            + " on "
                            + clientConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG),
                    e);
        }
    }

    private static void awaitLeaders(Admin admin, Set<String> topics, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> d =
                        admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
                boolean ready =
                        d.size() == topics.size()
                                && d.values().stream()
                                        .flatMap(t -> t.partitions().stream())
                                        .map(TopicPartitionInfo::leader)
                                        .allMatch(l -> l != null && !l.isEmpty());
                if (ready) {
                    return;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException notYet) {
                // metadata not propagated yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Topics " + topics + " have partitions without a leader after " + timeout);
            }
            Thread.sleep(100);
        }
    }
}
