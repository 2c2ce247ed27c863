package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.student.StudentModel;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudentFileTest {

    @Test
    void shouldKeepACnnStudentsFamilyKernelAndWeights(@TempDir Path dir) throws Exception {
        StudentConfig cnn =
                new StudentConfig(500, 8, 16, 3, 2, 32, 24, 2, 12, 0.1f, 9)
                        .withFamily(StudentConfig.Family.CNN, 7);
        Map<String, float[]> weights;
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                StudentModel model = StudentModel.create(cnn, manager)) {
            weights = model.exportWeights();
        }
        assertThat(weights).containsKey("layer2.conv.w").doesNotContainKey("embed.pos");
        assertThat(weights.get("layer2.conv.w")).hasSize(16 * 7);
        Path file = dir.resolve("cnn.student");
        StudentFile.write(file, cnn, weights, 12, 345, Provenance.of(Map.of()));

        StudentFile.Loaded loaded = StudentFile.read(file);
        assertThat(loaded.config()).isEqualTo(cnn);
        assertThat(loaded.config().family()).isEqualTo(StudentConfig.Family.CNN);
        assertThat(loaded.config().kernel()).isEqualTo(7);
        assertThat(loaded.weights().keySet()).isEqualTo(weights.keySet());
        assertThat(loaded.weights().get("layer2.conv.w")).isEqualTo(weights.get("layer2.conv.w"));
        assertThat(loaded.step()).isEqualTo(12);
        assertThat(loaded.samplesTrained()).isEqualTo(345);
    }
}
