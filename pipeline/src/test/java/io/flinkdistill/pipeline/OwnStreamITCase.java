package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.kafka.Topics;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own topics as they are: JSON reviews with nested fields, written line by line with
 * Kafka's console producer, and a topic of bare text, read by one {@code distill run --bounded}
 * (its own JVM, a local MiniCluster, a real KRaft broker, the e5 teacher, a DJL student). Good
 * records are trained on exactly once (ids from a nested field, or from the record's coordinates
 * when it has none), labels given as numbers or strings reach the trainer, and every bad record is
 * dead-lettered with its coordinates and reason and counted.
 */
class OwnStreamITCase {
    private static final double EVAL_FRACTION = 0.1;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;
    @RegisterExtension static final TestBed BED = TestBed.kafka();

    /** A JSON line and, for a good one, the sample id the job should give it. */
    private record Line(String json, String id, boolean labelled, String reason) {}

    @Test
    void shouldTrainOnJsonAndTextTopicsAndDeadLetterEveryBadRecordWithItsReason() throws Exception {
        ClusterRuns.Prepared prepared =
                ClusterRuns.prepare(BED.broker().bootstrapServers(), dir, 13);
        Topics.ensure(
                prepared.client(), Map.of("reviews", 1, "queries", 1), Duration.ofSeconds(30));
        List<TsvRow> rows = prepared.rows().subList(300, 660);

        // Reviews: the text and the label nested, the id in meta.uid for two rows in three (the
        // others get reviews/0/<offset>), a label on one row in five, as a number or a string.
        List<Line> lines = new ArrayList<>();
        List<String> bad =
                List.of(
                        "this is not JSON",
                        "{\"review\":{\"stars\":1}}",
                        "{\"review\":{\"body\":17}}",
                        "{\"review\":{\"body\":\"fine\",\"stars\":{\"n\":1}}}",
                        "{\"review\":{\"body\":\"fine\",\"stars\":7},\"meta\":{\"uid\":\"bad-class\"}}",
                        "[1, 2]");
        List<String> reasons =
                List.of(
                        "not JSON: ",
                        "no text field 'review.body'",
                        "text field 'review.body' is a number (17), expected a string",
                        "label field 'review.stars' is an object, expected a string or a number",
                        "sample bad-class has label '7', which is not one of the classes",
                        "not a JSON object: an array");
        for (int i = 0; i < rows.size(); i++) {
            if (i % 50 == 25 && i / 50 < bad.size()) {
                lines.add(new Line(bad.get(i / 50), null, false, reasons.get(i / 50)));
            }
            TsvRow row = rows.get(i);
            ObjectNode o = JSON.createObjectNode();
            ObjectNode review = o.putObject("review");
            review.put("body", row.text());
            boolean labelled = i % 5 == 0;
            if (labelled && i % 2 == 0) {
                review.put("stars", Integer.parseInt(row.label()));
            } else if (labelled) {
                review.put("stars", row.label());
            }
            String id = null;
            if (i % 3 != 0) {
                id = "rev-" + i;
                o.putObject("meta").put("uid", id);
            }
            lines.add(new Line(JSON.writeValueAsString(o), id, labelled, null));
        }
        Path file = dir.resolve("reviews.jsonl");
        Files.write(file, lines.stream().map(Line::json).toList(), StandardCharsets.UTF_8);
        BED.broker()
                .consoleProduce(
                        "reviews", Files.readAllLines(file), dir.resolve("console-producer.log"));

        // Queries: bare text, one record that is not UTF-8 and one that is empty.
        List<String> queries =
                prepared.rows().subList(700, 780).stream().map(TsvRow::text).toList();
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            for (int i = 0; i < queries.size(); i++) {
                if (i == 40) {
                    p.send(new ProducerRecord<>("queries", new byte[] {'o', (byte) 0xC3, 'k'}));
                    p.send(new ProducerRecord<>("queries", new byte[0]));
                }
                p.send(
                        new ProducerRecord<>(
                                "queries", queries.get(i).getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }

        EvalSplit split = new EvalSplit(EVAL_FRACTION);
        long expectedTrained = 0;
        long labelledEval = 0;
        for (int offset = 0; offset < lines.size(); offset++) {
            Line l = lines.get(offset);
            if (l.reason() == null) {
                String id = l.id() != null ? l.id() : "reviews/0/" + offset;
                boolean eval = split.isEval(id);
                expectedTrained += eval ? 0 : 1;
                labelledEval += eval && l.labelled() ? 1 : 0;
            }
        }
        for (int offset = 0; offset < queries.size() + 2; offset++) {
            if (offset != 40 && offset != 41) {
                expectedTrained += split.isEval("queries/0/" + offset) ? 0 : 1;
            }
        }

        Path work = Files.createDirectories(dir.resolve("run"));
        int exit;
        try (RunCommandITCase.Command c =
                RunCommandITCase.Command.start(
                        work,
                        "run",
                        "--bounded",
                        "--bootstrap-servers",
                        BED.broker().bootstrapServers(),
                        "--teacher-head",
                        prepared.headFile().toString(),
                        "--samples-topic",
                        "reviews,queries",
                        "--input-format",
                        "json",
                        "--text-field",
                        "review.body",
                        "--label-field",
                        "review.stars",
                        "--id-field",
                        "meta.uid",
                        "--topic-input",
                        "queries:format=text",
                        "--eval-fraction",
                        Double.toString(EVAL_FRACTION),
                        "--export-dir",
                        work.resolve("students").toString())) {
            exit = c.exitCode();
            assertThat(c.output())
                    .anyMatch(
                            l ->
                                    l.contains(
                                            "reading reviews (json text=review.body label=review.stars id=meta.uid), queries (text"));
        }
        assertThat(exit).isZero();

        List<byte[]> metrics =
                TopicRecords.readAll(BED.broker().bootstrapServers(), "distill.metrics");
        assertThat(metrics).isNotEmpty();
        DistillMetrics last =
                DistillMetrics.fromByteBuffer(ByteBuffer.wrap(metrics.get(metrics.size() - 1)));
        assertThat(last.getSamplesTrained()).isEqualTo(expectedTrained);
        // The labels in the JSON (numbers and strings) reached the evaluator and the trainer.
        assertThat(last.getEvalLabelled()).isEqualTo((int) labelledEval);
        assertThat(metrics)
                .anySatisfy(
                        v ->
                                assertThat(
                                                DistillMetrics.fromByteBuffer(ByteBuffer.wrap(v))
                                                        .getLossHard())
                                        .isPositive());

        List<JsonNode> dead = new ArrayList<>();
        for (byte[] v :
                TopicRecords.readAll(BED.broker().bootstrapServers(), "distill.samples.dlq")) {
            dead.add(JSON.readTree(v));
        }
        assertThat(dead).hasSize(bad.size() + 2);
        assertThat(last.getDeadLetters()).isEqualTo(bad.size() + 2L);
        for (int offset = 0; offset < lines.size(); offset++) {
            Line l = lines.get(offset);
            if (l.reason() != null) {
                long o = offset;
                assertThat(dead)
                        .as("dead letter of reviews offset %d", o)
                        .anySatisfy(
                                d -> {
                                    assertThat(d.get("topic").asText()).isEqualTo("reviews");
                                    assertThat(d.get("offset").asLong()).isEqualTo(o);
                                    assertThat(d.get("reason").asText()).contains(l.reason());
                                });
            }
        }
        assertThat(dead)
                .anySatisfy(
                        d -> {
                            assertThat(d.get("topic").asText()).isEqualTo("queries");
                            assertThat(d.get("offset").asLong()).isEqualTo(40);
                            assertThat(d.get("reason").asText()).startsWith("not UTF-8 text");
                        })
                .anySatisfy(
                        d -> {
                            assertThat(d.get("offset").asLong()).isEqualTo(41);
                            assertThat(d.get("reason").asText())
                                    .isEqualTo("sample queries/0/41 has empty text");
                        });
        assertThat(work.resolve("students")).isNotEmptyDirectory();
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BED.broker().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }
}
