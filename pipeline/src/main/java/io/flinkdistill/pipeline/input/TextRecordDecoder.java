package io.flinkdistill.pipeline.input;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** The record value is the text (UTF-8, strictly); no label, the id comes from coordinates. */
final class TextRecordDecoder implements RecordDecoder {
    @Override
    public SampleFields decode(byte[] value) throws BadRecordException {
        try {
            String text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(value))
                            .toString();
            return new SampleFields(null, text, null, null);
        } catch (CharacterCodingException e) {
            throw new BadRecordException("not UTF-8 text: " + e.getMessage());
        }
    }
}
