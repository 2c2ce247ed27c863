package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkdistill.pipeline.job.DistillationJob;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.pipeline.job.KafkaWiring;
import io.flinkdistill.pipeline.job.Steering;
import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.reweight.LossReweighter;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlCommands;
import io.flinkdistill.schemas.ControlType;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.teacher.TeacherSettings;
import io.flinkdistill.training.TrainerSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job steering itself on real parts: the evaluator's reweighting decisions travel through the
 * control topic of a real KRaft broker back to the trainer, and a command typed into Kafka's own
 * console producer (a child JVM running {@code kafka-console-producer}'s class) takes effect.
 */
class SteeringITCase {
    private static final int HEAD_ROWS = 300;
    private static final Duration DEADLINE = Duration.ofSeconds(150);

    @TempDir static Path dir;
    @RegisterExtension static final TestBed BED = TestBed.miniCluster();

    @Test
    void evaluatorDecisionsAndConsoleCommandsShouldReachTheTrainer() throws Exception {
        Map<String, Object> client =
                BED.broker()
                        .withTopics(
                                Map.of(
                                        "samples", 1, "metrics", 1, "dlq", 1, "control", 1,
                                        "models", 1));
        Sst2Rows data = Sst2Rows.shuffled(dir.resolve("sst2-train.tsv"), 5);
        TsvDataset sst2 = data.data();
        LinearHead head = data.head(ShippedEncoder.E5_SMALL_V2_Q, HEAD_ROWS);
        SampleProducer.produce(
                client,
                "samples",
                sst2,
                data.after(HEAD_ROWS, 1500),
                1,
                r -> r.line() % 20 == 0,
                0);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(2000);
        KafkaWiring.KafkaSettings k =
                KafkaWiring.KafkaSettings.builder(
                                client, io.flinkdistill.pipeline.input.SampleInputs.avro("samples"))
                        .optMetricsTopic("metrics")
                        .optDeadLetterTopic("dlq")
                        .optControlTopic("control")
                        .optModelsTopic("models")
                        .optGroupId("it-steer")
                        .build();
        KafkaWiring.sinks(
                DistillationJob.build(
                        KafkaWiring.source(env, k),
                        KafkaWiring.controlSource(env, k),
                        settings(head)),
                k);
        JobClient job = env.executeAsync("steering-it");
        try {
            // 1. The evaluator (dwa) decides new weights; the trainer applies them.
            List<ControlCommand> decisions =
                    waitFor(
                            "an evaluator SET_LOSS_WEIGHTS on the control topic",
                            () -> commands("control"),
                            cs -> cs.stream().anyMatch(SteeringITCase::isDecision));
            // More live data: the trainer keeps stepping (and reporting) while decisions arrive.
            SampleProducer.produce(
                    client,
                    "samples",
                    sst2,
                    data.after(HEAD_ROWS + 1500, 600),
                    1,
                    r -> r.line() % 20 == 0,
                    0);
            assertThat(decisions)
                    .filteredOn(SteeringITCase::isDecision)
                    .allSatisfy(c -> assertThat(c.getId()).startsWith("dwa-student-"));
            // Later metrics carry weights that one of the decisions set (several may queue up).
            Predicate<DistillMetrics> decided =
                    m ->
                            commandsOrEmpty().stream()
                                    .filter(SteeringITCase::isDecision)
                                    .anyMatch(
                                            c ->
                                                    Math.abs(
                                                                            c.getValues()
                                                                                            .get(
                                                                                                    "soft")
                                                                                    - m
                                                                                            .getWeightSoft())
                                                                    < 1e-9
                                                            && Math.abs(
                                                                            c.getValues()
                                                                                            .get(
                                                                                                    "feature")
                                                                                    - m
                                                                                            .getWeightFeature())
                                                                    < 1e-9);
            List<DistillMetrics> applied =
                    waitFor(
                            "metrics with the evaluator's weights",
                            () -> metrics("metrics"),
                            ms -> ms.stream().anyMatch(decided));
            DistillMetrics firstApplied =
                    applied.stream().filter(decided).findFirst().orElseThrow();
            ControlCommand firstDecision =
                    commands("control").stream()
                            .filter(SteeringITCase::isDecision)
                            .findFirst()
                            .orElseThrow();
            System.out.printf(
                    "First decision %s at %s; first record with decided weights at step %d, %s%n",
                    firstDecision.getId(),
                    firstDecision.getTimestamp(),
                    firstApplied.getStep(),
                    firstApplied.getTimestamp());
            assertThat(applied.get(0).getWeightSoft()).isEqualTo(0.5);
            assertThat(applied.get(0).getLossPolicy()).isEqualTo("dwa");
            assertThat(applied)
                    .filteredOn(decided)
                    .allSatisfy(
                            m ->
                                    assertThat(
                                                    m.getWeightSoft()
                                                            + m.getWeightFeature()
                                                            + m.getWeightAttention())
                                            .isCloseTo(
                                                    1.0,
                                                    org.assertj.core.data.Offset.offset(1e-9)));

            // 2. People type JSON into Kafka's console producer: it takes effect, or is
            // dead-lettered.
            BED.broker()
                    .consoleProduce(
                            "control",
                            List.of(
                                    "{\"id\":\"ops-1\",\"issuer\":\"console\",\"type\":\"set-temperature\",\"values\":{\"temperature\":1.5}}",
                                    "{\"id\":\"ops-2\",\"issuer\":\"console\",\"type\":\"pause\"}",
                                    "{\"id\":\"ops-3\",\"type\":\"set-temperature\"}"),
                            dir.resolve("console-producer.log"));
            SampleProducer.produce(
                    client, "samples", sst2, data.after(HEAD_ROWS + 2100, 600), 1, r -> false, 0);
            List<DistillMetrics> paused =
                    waitFor(
                            "a paused record at temperature 1.5",
                            () -> metrics("metrics"),
                            ms ->
                                    ms.stream()
                                            .anyMatch(
                                                    m ->
                                                            m.getPaused()
                                                                    && m.getSamplesPaused() > 0));
            DistillMetrics p =
                    paused.stream().filter(DistillMetrics::getPaused).findFirst().orElseThrow();
            assertThat(p.getTemperature()).isEqualTo(1.5);
            long trainedAtPause = p.getSamplesTrained();
            assertThat(paused)
                    .filteredOn(DistillMetrics::getPaused)
                    .allSatisfy(m -> assertThat(m.getSamplesTrained()).isEqualTo(trainedAtPause));
            List<JsonNode> dead =
                    waitFor(
                            "the malformed console command in the dead letters",
                            () -> deadLetters("dlq"),
                            ds -> !ds.isEmpty());
            assertThat(dead.get(0).get("topic").asText()).isEqualTo("control");
            assertThat(dead.get(0).get("reason").asText())
                    .contains("SET_TEMPERATURE takes exactly one value, temperature");
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    private static List<ControlCommand> commandsOrEmpty() {
        try {
            return commands("control");
        } catch (Exception e) {
            return List.of();
        }
    }

    private static boolean isDecision(ControlCommand c) {
        return c.getIssuer().equals(LossReweighter.ISSUER)
                && c.getType() == ControlType.SET_LOSS_WEIGHTS;
    }

    private static <T> T waitFor(
            String what, java.util.concurrent.Callable<T> read, Predicate<T> done)
            throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            T value = read.call();
            if (done.test(value)) {
                return value;
            }
            assertThat(System.nanoTime())
                    .as("waiting for %s; last seen: %s", what, describe(value))
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private static String describe(Object value) {
        if (value instanceof List<?> list) {
            StringBuilder b = new StringBuilder();
            for (Object o : list) {
                if (o instanceof DistillMetrics m) {
                    b.append(
                            String.format(
                                    "%n step %d trained %d w %.4f/%.4f/%.4f t %.2f paused %s",
                                    m.getStep(),
                                    m.getSamplesTrained(),
                                    m.getWeightSoft(),
                                    m.getWeightFeature(),
                                    m.getWeightAttention(),
                                    m.getTemperature(),
                                    m.getPaused()));
                } else {
                    b.append("\n ").append(o);
                }
            }
            return b.toString();
        }
        return String.valueOf(value);
    }

    private static List<ControlCommand> commands(String topic) throws Exception {
        List<ControlCommand> out = new ArrayList<>();
        for (byte[] v : TopicRecords.readAll(BED.broker().bootstrapServers(), topic)) {
            try {
                out.add(ControlCommands.decode(v));
            } catch (java.io.IOException e) {
                // a malformed command of this test
            }
        }
        return out;
    }

    private static List<DistillMetrics> metrics(String topic) throws Exception {
        List<DistillMetrics> out = new ArrayList<>();
        for (byte[] v : TopicRecords.readAll(BED.broker().bootstrapServers(), topic)) {
            out.add(DistillMetrics.fromByteBuffer(ByteBuffer.wrap(v)));
        }
        return out;
    }

    private static List<JsonNode> deadLetters(String topic) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (byte[] v : TopicRecords.readAll(BED.broker().bootstrapServers(), topic)) {
            out.add(new ObjectMapper().readTree(v));
        }
        return out;
    }

    private static JobSettings settings(LinearHead head) {
        StudentConfig student =
                new StudentConfig(30522, 32, 64, 1, 4, 128, 64, head.numClasses(), 384, 0.1f, 11);
        TrainerSettings trainer =
                TrainerSettings.builder(student)
                        .optBatchSize(16)
                        .optLearningRate(3e-3)
                        .optWarmupSteps(5)
                        .optCycleSamples(1500)
                        .optMetricsEverySteps(4)
                        .optEvalWindow(500)
                        .optMaxConsecutiveSkips(5)
                        .optEmbeddingInit(TrainerSettings.TEACHER_EMBEDDINGS + "e5-small-v2-q")
                        .optLossPolicy("dwa")
                        .build();
        TeacherSettings teacher = TeacherSettings.single(head, 32, 50, 2, 64, "student", 1);
        return JobSettings.builder(teacher, trainer)
                .optEvalFraction(0.2)
                .optDedupWindowMillis(60_000)
                .optExportDir(dir.resolve("students").toString())
                .optSteering(new Steering("dwa", 0.0, null))
                .build();
    }
}
