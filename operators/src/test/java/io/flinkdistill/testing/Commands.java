package io.flinkdistill.testing;

import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import java.time.Instant;
import java.util.Map;

/** Control commands as tests send them (issuer {@code test}, time of the epoch). */
public final class Commands {
    private Commands() {}

    /** A command of any type, for one student or (null) all of them. */
    public static ControlCommand command(
            String id, ControlType type, String student, Map<String, Double> values) {
        return ControlCommand.newBuilder()
                .setId(id)
                .setIssuer("test")
                .setType(type)
                .setStudent(student)
                .setValues(values)
                .setTimestamp(Instant.EPOCH)
                .build();
    }

    /** Sets the fusion weights of the named teachers. */
    public static ControlCommand teacherWeights(String id, Map<String, Double> values) {
        return command(id, ControlType.SET_TEACHER_WEIGHTS, null, values);
    }
}
