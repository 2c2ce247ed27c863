package io.flinkdistill.pipeline.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A record the job could not use, with where it came from and why; written to the dead-letter topic
 * as JSON so that any tool can read it. A Flink POJO.
 */
public class DeadLetter {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String topic;
    public int partition;
    public long offset;
    public String reason;
    public String id;
    public byte[] payload;

    public DeadLetter() {}

    public static DeadLetter of(DecodedSample d, String reason) {
        DeadLetter l = new DeadLetter();
        l.topic = d.topic;
        l.partition = d.partition;
        l.offset = d.offset;
        l.reason = reason;
        l.id = d.id;
        l.payload = d.raw;
        return l;
    }

    /** A sample that decoded and validated but must not be used (e.g. a duplicate). */
    public static DeadLetter of(io.flinkdistill.teacher.TeacherInput in, String reason) {
        DeadLetter l = new DeadLetter();
        l.topic = in.topic;
        l.partition = in.partition;
        l.offset = in.offset;
        l.reason = reason;
        l.id = in.id;
        return l;
    }

    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", topic);
        m.put("partition", partition);
        m.put("offset", offset);
        m.put("reason", reason);
        m.put("id", id);
        m.put(
                "payload_base64",
                payload == null ? null : Base64.getEncoder().encodeToString(payload));
        try {
            return JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
