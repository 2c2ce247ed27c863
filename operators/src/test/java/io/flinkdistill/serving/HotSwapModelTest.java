package io.flinkdistill.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkdistill.publish.ModelStore;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.testing.ShippedTeacher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serving follows published versions: newer ones swap in, a tampered file never loads. */
class HotSwapModelTest {
    @TempDir Path dir;

    @Test
    void shouldSwapInNewerVersionsAndRefuseAFileWhoseShaDiffers() throws Exception {
        ModelStore store = new ModelStore(dir.toUri().toString());
        ModelStore.Published v1 = ShippedTeacher.publishSmallStudent(store, "s", 1);
        ModelStore.Published v2 = ShippedTeacher.publishSmallStudent(store, "s", 2);
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
            ModelStore.Published v3 = ShippedTeacher.publishSmallStudent(store, "s", 3);
            Files.write(
                    Path.of(java.net.URI.create(v3.fp32().uri())),
                    ShippedTeacher.smallStudentOnnx(4));
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
}
