package io.flinkdistill.pipeline.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How many records of its topics a consumer group has yet to read: per partition, the end offset
 * minus the group's committed offset (the partition's earliest offset when the group has not
 * committed there yet), summed. A Flink Kafka source commits on each completed checkpoint, so this
 * is the backlog as of the last checkpoint, the figure Kafka's own tools report for the group.
 */
public final class ConsumerLag implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 10;

    private final Admin admin;
    private final String group;
    private final List<String> topics;
    private final Pattern pattern;

    /**
     * @param topics the group's topics, or empty with a pattern
     * @param pattern topics matching it (null with a list)
     */
    public ConsumerLag(
            Map<String, Object> clientConfig, String group, List<String> topics, Pattern pattern) {
        Properties props = new Properties();
        props.putAll(clientConfig);
        this.admin = Admin.create(props);
        this.group = group;
        this.topics = List.copyOf(topics);
        this.pattern = pattern;
    }

    /** The records behind, now; throws when the broker does not answer within 10 s. */
    public long records() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Set<String> names = new HashSet<>(topics);
        if (pattern != null) {
            for (String t : admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                if (pattern.matcher(t).matches()) {
                    names.add(t);
                }
            }
        }
        if (names.isEmpty()) {
            return 0;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        Map<String, TopicDescription> described =
                admin.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        described.forEach(
                (name, d) ->
                        d.partitions()
                                .forEach(
                                        p ->
                                                partitions.add(
                                                        new TopicPartition(name, p.partition()))));
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        List<TopicPartition> uncommitted =
                partitions.stream().filter(tp -> committed.get(tp) == null).toList();
        Map<TopicPartition, Long> start =
                uncommitted.isEmpty() ? Map.of() : offsets(uncommitted, OffsetSpec.earliest());
        long lag = 0;
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            long read = c != null ? c.offset() : start.getOrDefault(tp, 0L);
            lag += Math.max(0, end.getOrDefault(tp, 0L) - read);
        }
        return lag;
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info =
                admin.listOffsets(request).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        info.forEach((tp, i) -> out.put(tp, i.offset()));
        return out;
    }

    @Override
    public void close() {
        admin.close();
    }
}
