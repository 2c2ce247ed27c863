package io.flinkdistill.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkdistill.provenance.Provenance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions appear whole, never twice, and say what they hold. */
class ModelStoreTest {
    @TempDir Path dir;

    @Test
    void shouldWriteEveryFileAtomicallyWithItsShaAndNeverOverwriteAVersion() throws Exception {
        ModelStore store = new ModelStore(dir.toUri().toString());
        assertThat(store.latestVersion("s")).isZero();
        byte[] fp32 = {1, 2, 3};
        byte[] int8 = {4};
        ModelStore.Published p =
                store.publish(
                        "s",
                        1,
                        fp32,
                        int8,
                        Map.of("eval_agreement", 0.8),
                        Provenance.of(Map.of("k", "v")));
        store.publish("other", 9, fp32, int8, Map.of(), Provenance.EMPTY);
        assertThat(store.latestVersion("s")).isEqualTo(1);
        assertThat(p.fp32().sha256()).isEqualTo(ModelStore.sha256(fp32));
        assertThat(Files.readAllBytes(Path.of(java.net.URI.create(p.int8().uri()))))
                .isEqualTo(int8);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("no temporary file is left behind")
                    .containsExactlyInAnyOrder(
                            "student-s-v1.onnx",
                            "student-s-v1.int8.onnx",
                            "student-s-v1.json",
                            "student-other-v9.onnx",
                            "student-other-v9.int8.onnx",
                            "student-other-v9.json");
        }
        JsonNode meta = new ObjectMapper().readTree(dir.resolve("student-s-v1.json").toFile());
        assertThat(meta.get("version").asLong()).isEqualTo(1);
        assertThat(meta.get("files").get(0).get("sha256").asText()).isEqualTo(p.fp32().sha256());
        assertThat(meta.get("metrics").get("eval_agreement").asDouble()).isEqualTo(0.8);
        assertThat(meta.get("provenance").get("k").asText()).isEqualTo("v");
        assertThatThrownBy(() -> store.publish("s", 1, fp32, int8, Map.of(), Provenance.EMPTY))
                .hasMessageContaining("exists already; versions are never overwritten");
    }

    @Test
    void shouldNumberTheNextVersionPastOneAKilledWriterLeftWithoutItsMetadata() throws Exception {
        ModelStore store = new ModelStore(dir.toUri().toString());
        byte[] model = {1};
        store.publish("s", 1, model, model, Map.of(), Provenance.EMPTY);
        // A writer killed after v2's fp32 file was renamed into place, before its metadata; and
        // one killed while still writing v3's temporary file.
        Files.write(dir.resolve("student-s-v2.onnx"), model);
        Files.write(dir.resolve(".student-s-v3.onnx.0b5e.tmp"), model);
        store.publish("s-x", 7, model, model, Map.of(), Provenance.EMPTY);

        assertThat(store.latestVersion("s")).as("readers see complete versions only").isEqualTo(1);
        assertThat(store.nextVersion("s", 1)).isEqualTo(3);
        assertThat(store.nextVersion("s", 5)).as("after the checkpointed version").isEqualTo(6);
        assertThat(store.nextVersion("new", 0)).isEqualTo(1);
        store.publish("s", store.nextVersion("s", 1), model, model, Map.of(), Provenance.EMPTY);
        assertThat(store.latestVersion("s")).isEqualTo(3);
    }

    @Test
    void shouldPublishOnlyVersionsThatBeatTheLastByTheMargin() {
        PublishSettings s = new PublishSettings("file:///x", 0.01, 100);
        assertThat(PromotionGate.shouldPublish(s, 0.80, 500, -1, false)).isTrue();
        assertThat(PromotionGate.shouldPublish(s, 0.805, 500, 0.80, false)).isFalse();
        assertThat(PromotionGate.shouldPublish(s, 0.81, 500, 0.80, false)).isTrue();
        assertThat(PromotionGate.shouldPublish(s, 0.90, 50, 0.80, false))
                .as("too few eval samples to trust")
                .isFalse();
        assertThat(PromotionGate.shouldPublish(s, 0.70, 50, 0.80, true)).as("forced").isTrue();
        assertThat(PromotionGate.shouldPublish(PublishSettings.off(), 0.9, 500, 0, true)).isFalse();
    }
}
