package io.flinkdistill.pipeline;

import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherSpec;
import java.util.List;

/**
 * The provenance a student of the shipped e5 teacher records (tests that build students by hand).
 */
final class ShippedE5 {
    static final String ID = "e5-small-v2-q";

    private ShippedE5() {}

    static Provenance provenance(List<String> classes) {
        TeacherSpec e5 = TeacherSpec.shipped(ShippedEncoder.byId(ID));
        return Provenance.builder()
                .teacher(ID, "", e5.tokenizer(), e5.prefix(), 0, classes, new int[0])
                .build();
    }
}
