package io.flinkdistill.provenance;

import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The provenance of a student of the shipped e5 teacher, as a job records it: the teacher, its
 * tokenizer and text prefix (what export needs to make a file a server can use).
 */
public final class ShippedTeacher {
    public static final Provenance PROVENANCE = withClasses(2);

    private ShippedTeacher() {}

    /** The same with {@code n} classes named {@code 0..n-1}. */
    public static Provenance withClasses(int n) {
        TeacherSpec e5 = TeacherSpec.shipped(ShippedEncoder.E5_SMALL_V2_Q);
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            classes.add(Integer.toString(i));
        }
        return Provenance.builder()
                .teacher("e5-small-v2-q", "", e5.tokenizer(), e5.prefix(), 0, classes, new int[0])
                .build();
    }
}
