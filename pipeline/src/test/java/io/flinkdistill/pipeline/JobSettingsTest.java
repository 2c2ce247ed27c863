package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherSettings;
import io.flinkdistill.teacher.TeacherSpec;
import io.flinkdistill.training.TrainerSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSettingsTest {

    @Test
    void shouldRecordWhatAServerNeedsFromTheTeacherTheJobRunsWhenStartUpDidNot() {
        LinearHead head =
                new LinearHead(
                        "e5-small-v2-q", List.of("neg", "pos"), new float[2][384], new float[2]);
        TeacherSettings teacher = TeacherSettings.single(head, 32, 50, 2, 64, "student", 1);
        StudentConfig student = new StudentConfig(30522, 8, 16, 1, 2, 32, 64, 2, 384, 0.1f, 1);
        TrainerSettings bare = TrainerSettings.builder(student).build();
        TrainerSettings routed = bare.toBuilder().optStudents(Map.of("alpha", bare)).build();

        JobSettings job = JobSettings.builder(teacher, routed).build();

        TeacherSpec e5 = TeacherSpec.shipped(ShippedEncoder.E5_SMALL_V2_Q);
        for (Provenance p :
                List.of(
                        job.trainer().provenance(),
                        job.trainer().students().get("alpha").provenance())) {
            assertThat(p.tokenizer()).contains(e5.tokenizer());
            assertThat(p.prefix()).isEqualTo(e5.prefix());
            assertThat(p.classes()).containsExactly("neg", "pos");
        }
    }
}
