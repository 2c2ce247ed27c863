package io.flinkdistill.pipeline.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.pipeline.input.FieldPath;
import io.flinkdistill.pipeline.input.TopicInput;
import io.flinkdistill.schemas.AvroBytes;
import io.flinkdistill.schemas.TrainingSample;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How {@link SampleProducer} writes a sample: as our Avro {@link TrainingSample}, as a JSON object
 * with the text, label and id at the field paths a job will read them from, or as the bare text.
 */
public interface SampleEncoding extends Serializable {
    byte[] encode(TrainingSample sample);

    SampleEncoding AVRO = sample -> AvroBytes.encode(sample::toByteBuffer);

    /** The bare text: the label and the id are not written (a job gives it coordinates as id). */
    SampleEncoding TEXT = sample -> sample.getText().getBytes(StandardCharsets.UTF_8);

    /**
     * JSON with the fields where {@code mapping} reads them, plus {@code source}, {@code
     * event_time}.
     */
    static SampleEncoding json(TopicInput mapping) {
        ObjectMapper json = new ObjectMapper();
        return sample -> {
            ObjectNode root = json.createObjectNode();
            put(root, mapping.id(), sample.getId());
            put(root, mapping.text(), sample.getText());
            if (sample.getLabel() != null) {
                put(root, mapping.label(), sample.getLabel());
            }
            root.put("source", sample.getSource());
            root.put("event_time", sample.getEventTime().toEpochMilli());
            try {
                return json.writeValueAsBytes(root);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /**
     * The encoding of samples a job reads with {@code mapping}; avro-registry is not written here.
     */
    static SampleEncoding forInput(TopicInput mapping) {
        return switch (mapping.format()) {
            case AVRO_TRAINING_SAMPLE -> AVRO;
            case JSON -> json(mapping);
            case TEXT -> TEXT;
            case AVRO_REGISTRY ->
                    throw new IllegalArgumentException(
                            "writing avro-registry records is not supported (it needs a live registry)");
        };
    }

    private static void put(ObjectNode root, FieldPath path, String value) {
        ObjectNode node = root;
        List<String> parts = path.parts();
        for (int i = 0; i < parts.size() - 1; i++) {
            node =
                    node.has(parts.get(i))
                            ? (ObjectNode) node.get(parts.get(i))
                            : node.putObject(parts.get(i));
        }
        node.put(parts.get(parts.size() - 1), value);
    }
}
