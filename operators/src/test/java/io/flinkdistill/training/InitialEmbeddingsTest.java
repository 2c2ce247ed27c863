package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.ShippedEncoder;
import org.junit.jupiter.api.Test;

/**
 * Student token embeddings from the real e5 teacher's output space: one row per vocabulary token,
 * at the student's width and scale, and words the teacher treats alike start close together.
 */
class InitialEmbeddingsTest {

    @Test
    void shouldPlaceWordsTheTeacherTreatsAlikeCloseTogether() throws Exception {
        StudentConfig config = new StudentConfig(30522, 16, 32, 1, 2, 64, 16, 2, 384, 0.1f, 7);
        TrainerSettings settings =
                TrainerSettings.builder(config)
                        .optEmbeddingInit(
                                TrainerSettings.TEACHER_OUTPUT_EMBEDDINGS
                                        + ShippedEncoder.E5_SMALL_V2_Q.id())
                        .build();
        float[] table = InitialEmbeddings.fromTeacherOutput(settings);
        assertThat(table).hasSize(30522 * 16);
        double sumSquares = 0;
        for (float v : table) {
            assertThat(Float.isFinite(v)).isTrue();
            sumSquares += v * v;
        }
        assertThat(Math.sqrt(sumSquares / table.length)).isBetween(0.05, 0.2);
        try (OnnxTeacher t = OnnxTeacher.open(ShippedEncoder.E5_SMALL_V2_Q, null, 8, 1)) {
            int good = word(t, "good");
            int great = word(t, "great");
            int terrible = word(t, "terrible");
            int awful = word(t, "awful");
            int table0 = word(t, "table");
            assertThat(cosine(table, good, great)).isGreaterThan(cosine(table, good, table0));
            assertThat(cosine(table, terrible, awful)).isGreaterThan(cosine(table, awful, table0));
        }
    }

    /** The id of a word that is one token (the last before the end token, after any prefix). */
    private static int word(OnnxTeacher t, String w) {
        int[] ids = t.tokenize(w);
        return ids[ids.length - 2];
    }

    private static double cosine(float[] table, int a, int b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int d = 0; d < 16; d++) {
            float x = table[a * 16 + d];
            float y = table[b * 16 + d];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }
}
