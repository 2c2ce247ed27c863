package io.flinkdistill.pipeline.input;

/** A record that cannot be a sample; the message is the dead-letter reason. */
public final class BadRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadRecordException(String reason) {
        super(reason, null, false, false);
    }
}
