package io.flinkdistill.pipeline.input;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The samples topics one job reads (a list, or a pattern) and how each is read: a mapping per topic
 * where one was given, the default mapping for the others.
 *
 * @param topics the topics to read; empty when {@code pattern} is given
 * @param pattern a regular expression for topic names, or null
 * @param defaults the mapping of every topic without its own
 * @param perTopic mappings by topic name
 * @param registryUrl the schema registry's base URL, or null when no topic needs one
 */
public record SampleInputs(
        List<String> topics,
        String pattern,
        TopicInput defaults,
        Map<String, TopicInput> perTopic,
        String registryUrl)
        implements Serializable {

    public SampleInputs {
        topics = List.copyOf(topics);
        perTopic = Map.copyOf(perTopic);
        if (topics.isEmpty() == (pattern == null)) {
            throw new IllegalArgumentException("give either topics or a pattern");
        }
    }

    /** One topic of Avro {@code TrainingSample}s: what the job read before any mapping existed. */
    public static SampleInputs avro(String topic) {
        return new SampleInputs(List.of(topic), null, TopicInput.DEFAULT, Map.of(), null);
    }

    /** The mapping of records read from {@code topic}. */
    public TopicInput forTopic(String topic) {
        return perTopic.getOrDefault(topic, defaults);
    }

    public Pattern compiledPattern() {
        return pattern == null ? null : Pattern.compile(pattern);
    }

    /** Whether any topic is read in the registry's wire format. */
    public boolean needsRegistry() {
        return defaults.format() == InputFormat.AVRO_REGISTRY
                || perTopic.values().stream()
                        .anyMatch(t -> t.format() == InputFormat.AVRO_REGISTRY);
    }

    /** For logs: {@code reviews (json text=review.body ...), queries (text ...)}. */
    public String describe() {
        if (pattern != null) {
            return "topics matching /" + pattern + "/ (" + defaults.describe() + ")";
        }
        StringBuilder b = new StringBuilder();
        for (String t : topics) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(t).append(" (").append(forTopic(t).describe()).append(')');
        }
        return b.toString();
    }
}
