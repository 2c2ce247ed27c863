package io.flinkdistill.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.publish.ModelStore;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.student.StudentModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serving follows published versions: newer ones swap in, a tampered file never loads. */
class HotSwapModelTest {
    @TempDir Path dir;

    @Test
    void shouldSwapInNewerVersionsAndRefuseAFileWhoseShaDiffers() throws Exception {
        ModelStore store = new ModelStore(dir.toUri().toString());
        ModelStore.Published v1 =
                store.publish("s", 1, model(1), model(1), Map.of(), Provenance.EMPTY);
        ModelStore.Published v2 =
                store.publish("s", 2, model(2), model(2), Map.of(), Provenance.EMPTY);
        try (HotSwapModel served = new HotSwapModel("s", "onnx-fp32", 1)) {
            assertThat(served.predict(List.of("a fine film"))).as("nothing yet").isNull();
            assertThat(served.offer(event(v1, v1.fp32()))).isTrue();
            float[] first = served.predict(List.of("a fine film")).probabilities()[0];
            assertThat(served.offer(event(v1, v1.int8()))).as("another format").isFalse();
            assertThat(served.offer(event(v2, v2.fp32()))).isTrue();
            HotSwapModel.Prediction p = served.predict(List.of("a fine film"));
            assertThat(p.version()).isEqualTo(2);
            assertThat(p.probabilities()[0]).isNotEqualTo(first);
            assertThat(served.offer(event(v1, v1.fp32()))).as("older").isFalse();

            // v3's file is changed after its event was written: refused, v2 keeps serving.
            ModelStore.Published v3 =
                    store.publish("s", 3, model(3), model(3), Map.of(), Provenance.EMPTY);
            Files.write(Path.of(java.net.URI.create(v3.fp32().uri())), model(4));
            assertThatThrownBy(() -> served.offer(event(v3, v3.fp32())))
                    .hasMessageContaining("sha256");
            assertThat(served.version()).isEqualTo(2);
            assertThat(served.predict(List.of("a fine film")).probabilities()[0])
                    .containsExactly(p.probabilities()[0]);
        }
    }

    private static StudentModelPublished event(ModelStore.Published p, ModelStore.StoredFile f) {
        return StudentModelPublished.newBuilder()
                .setStudent(p.student())
                .setVersion(p.version())
                .setUri(f.uri())
                .setFormat(f.format())
                .setSha256(f.sha256())
                .setSizeBytes(f.sizeBytes())
                .setTimestamp(Instant.now())
                .build();
    }

    /** A small student on the e5 vocabulary, different per seed. */
    private static byte[] model(long seed) {
        StudentConfig c = new StudentConfig(30522, 8, 16, 1, 2, 32, 64, 2, 16, 0.1f, seed);
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                StudentModel s = StudentModel.create(c, m)) {
            return StudentExporter.export(
                    c,
                    s.exportWeights(),
                    io.flinkdistill.provenance.ShippedTeacher.PROVENANCE,
                    StudentOnnxExport.Precision.FP32);
        }
    }
}
