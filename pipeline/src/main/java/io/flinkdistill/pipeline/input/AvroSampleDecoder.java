package io.flinkdistill.pipeline.input;

import io.flinkdistill.schemas.TrainingSample;
import java.nio.ByteBuffer;

/** Our own Avro {@link TrainingSample} in single-object encoding. */
final class AvroSampleDecoder implements RecordDecoder {
    @Override
    public SampleFields decode(byte[] value) throws BadRecordException {
        TrainingSample s;
        try {
            s = TrainingSample.fromByteBuffer(ByteBuffer.wrap(value));
        } catch (Exception | StackOverflowError e) {
            throw new BadRecordException(
                    "not an Avro TrainingSample: "
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage());
        }
        float[] features = null;
        if (s.getFeatures() != null) {
            features = new float[s.getFeatures().size()];
            for (int i = 0; i < features.length; i++) {
                features[i] = s.getFeatures().get(i);
            }
        }
        return new SampleFields(
                s.getId(),
                s.getText(),
                s.getLabel(),
                features,
                s.getEventTime() == null ? 0 : s.getEventTime().toEpochMilli(),
                s.getSource());
    }
}
