package io.flinkdistill.pipeline.input;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** One JSON object per record; text, label and id at the mapping's field paths. */
final class JsonRecordDecoder implements RecordDecoder {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final TopicInput input;

    JsonRecordDecoder(TopicInput input) {
        this.input = input;
    }

    @Override
    public SampleFields decode(byte[] value) throws BadRecordException {
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new BadRecordException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRecordException("not JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new BadRecordException("not a JSON object: the value is empty");
        }
        if (!root.isObject()) {
            throw new BadRecordException("not a JSON object: " + FieldValues.kind(root));
        }
        return new SampleFields(
                FieldValues.id(input.id().find(root), input.id()),
                FieldValues.text(input.text().find(root), input.text()),
                FieldValues.label(input.label().find(root), input.label()),
                null);
    }
}
