package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.evaluation.DeferralCurve;
import io.flinkdistill.publish.ModelStore;
import io.flinkdistill.schemas.AvroBytes;
import io.flinkdistill.schemas.DeferralPoint;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.schemas.TrainingSample;
import io.flinkdistill.testing.ShippedTeacher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code distill serve --cascade} as a user runs it (its own JVM, stdin to stdout) against a real
 * broker: it takes the version announced on the models topic, picks its threshold from the curve
 * published with it, answers each line with the student or the real e5 teacher and says which, and
 * writes every deferred query to the samples topic as an unlabelled TrainingSample (a repeated
 * query under the same id).
 */
class CascadeServeITCase {
    @TempDir static Path dir;
    @RegisterExtension static final TestBed BED = TestBed.kafka();

    @Test
    void shouldAnswerWithStudentOrTeacherAndSendDeferredQueriesBackToTraining() throws Exception {
        Map<String, Object> client =
                BED.broker()
                        .withTopics(
                                Map.of(
                                        "distill.models",
                                        1,
                                        "distill.samples",
                                        1,
                                        "serve.stats",
                                        1));
        ModelStore store = new ModelStore(dir.resolve("models").toUri().toString());
        byte[] model = ShippedTeacher.smallStudentOnnx(3);
        ModelStore.Published v1 =
                store.publish(
                        "student",
                        1,
                        model,
                        model,
                        Map.of(),
                        io.flinkdistill.provenance.Provenance.EMPTY);
        // The published curve reaches 97 % agreement only when every query is deferred.
        List<DeferralPoint> curve = new ArrayList<>();
        for (double t : DeferralCurve.THRESHOLDS) {
            curve.add(
                    DeferralPoint.newBuilder()
                            .setThreshold(t)
                            .setDeferred(Math.min(1, t))
                            .setAgreement(t > 1 ? 1.0 : 0.5)
                            .setAccuracy(null)
                            .build());
        }
        StudentModelPublished event =
                StudentModelPublished.newBuilder()
                        .setStudent("student")
                        .setVersion(1)
                        .setUri(v1.fp32().uri())
                        .setFormat(v1.fp32().format())
                        .setSha256(v1.fp32().sha256())
                        .setSizeBytes(v1.fp32().sizeBytes())
                        .setDeferralCurve(curve)
                        .setTimestamp(Instant.now())
                        .build();
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            p.send(new ProducerRecord<>("distill.models", AvroBytes.encode(event::toByteBuffer)))
                    .get(30, TimeUnit.SECONDS);
        }
        Path head = dir.resolve("head.json");
        ShippedTeacher.randomHead().save(head);
        List<String> queries =
                List.of("a fine film", "the soup was cold", "a fine film", "slow but honest");
        Path in = Files.write(dir.resolve("queries.txt"), queries, StandardCharsets.UTF_8);

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(
                List.of(
                        "-Dai.djl.offline=true",
                        // The command's own logging, as in the shipped jar (to stderr).
                        "-Dlog4j2.configurationFile="
                                + Path.of("target", "classes", "log4j2.properties")
                                        .toAbsolutePath(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.flinkdistill.pipeline.cli.DistillCli",
                        "serve",
                        "--cascade",
                        "--bootstrap-servers",
                        BED.broker().bootstrapServers(),
                        "--format",
                        "onnx-fp32",
                        "--teacher-head",
                        head.toString(),
                        "--deferred-topic",
                        "distill.samples",
                        "--stats-topic",
                        "serve.stats"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(in.toFile());
        pb.redirectError(dir.resolve("serve.err").toFile());
        pb.redirectOutput(dir.resolve("serve.out").toFile());
        Process process = pb.start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("serve finished its input").isTrue();
        String err = Files.readString(dir.resolve("serve.err"));
        assertThat(process.exitValue()).as(err).isZero();

        List<String> lines = Files.readAllLines(dir.resolve("serve.out"));
        assertThat(lines).hasSize(queries.size());
        assertThat(lines)
                .allSatisfy(l -> assertThat(l).matches("v1\tteacher\t[01]\t0=\\S+ 1=\\S+"));
        assertThat(lines.get(0)).isEqualTo(lines.get(2));
        assertThat(err)
                .contains("threshold 1.01")
                .contains("4 queries, 100.0 % deferred (threshold 1.01), 0 errors");

        List<TrainingSample> deferred = new ArrayList<>();
        for (byte[] v : TopicRecords.readAll(BED.broker().bootstrapServers(), "distill.samples")) {
            deferred.add(TrainingSample.fromByteBuffer(ByteBuffer.wrap(v)));
        }
        assertThat(deferred).extracting(TrainingSample::getText).containsExactlyElementsOf(queries);
        assertThat(deferred).allSatisfy(s -> assertThat(s.getLabel()).isNull());
        assertThat(deferred.get(0).getId())
                .startsWith("deferred:")
                .isEqualTo(deferred.get(2).getId())
                .isNotEqualTo(deferred.get(1).getId());
        assertThat(TopicRecords.readAll(BED.broker().bootstrapServers(), "serve.stats"))
                .as("one JSON record of serving figures")
                .hasSize(1)
                .allSatisfy(
                        v ->
                                assertThat(new String(v, StandardCharsets.UTF_8))
                                        .contains("\"queries\":4.0")
                                        .contains("\"deferred_share\":1.0"));
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BED.broker().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
