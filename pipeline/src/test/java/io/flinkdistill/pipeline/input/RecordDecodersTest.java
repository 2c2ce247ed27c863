package io.flinkdistill.pipeline.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.flinkdistill.pipeline.job.DecodedSample;
import io.flinkdistill.pipeline.job.SampleDeserializer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Each input format finds the text, label and id at their (nested) field paths, and every record
 * that cannot be a sample is a bad record with a reason that names the field and what is wrong.
 */
class RecordDecodersTest {
    private static final TopicInput JSON_REVIEWS =
            TopicInput.DEFAULT.with(
                    "format=json,text-field=review.body,label-field=review.stars,id-field=uid");

    @Test
    void shouldReadNestedJsonFieldsWithNumberAndStringLabels() throws Exception {
        RecordDecoder d = RecordDecoder.of(JSON_REVIEWS, null);
        SampleFields f =
                d.decode(
                        bytes(
                                "{\"uid\":\"r-1\",\"review\":{\"body\":\"great food\",\"stars\":1}}"));
        assertThat(f.id()).isEqualTo("r-1");
        assertThat(f.text()).isEqualTo("great food");
        assertThat(f.label()).isEqualTo("1");
        // 1, 1.0 and "1" are the same class; a missing label is an unlabelled sample.
        assertThat(d.decode(bytes("{\"review\":{\"body\":\"x\",\"stars\":1.0}}")).label())
                .isEqualTo("1");
        assertThat(d.decode(bytes("{\"review\":{\"body\":\"x\",\"stars\":\" 1 \"}}")).label())
                .isEqualTo("1");
        SampleFields unlabelled = d.decode(bytes("{\"review\":{\"body\":\"x\"},\"uid\":7}"));
        assertThat(unlabelled.label()).isNull();
        assertThat(unlabelled.id()).isEqualTo("7");
        assertThat(d.decode(bytes("{\"review\":{\"body\":\"x\",\"stars\":null}}")).id()).isNull();
    }

    @Test
    void shouldNameTheFieldAndTheProblemOfABadJsonRecord() {
        RecordDecoder d = RecordDecoder.of(JSON_REVIEWS, null);
        assertBad(d, "{\"review\":{\"text\":\"x\"}}", "no text field 'review.body'");
        assertBad(d, "{\"review\":\"flat\"}", "no text field 'review.body'");
        assertBad(
                d,
                "{\"review\":{\"body\":42}}",
                "text field 'review.body' is a number (42), expected a string");
        assertBad(
                d,
                "{\"review\":{\"body\":\"x\",\"stars\":{\"n\":1}}}",
                "label field 'review.stars' is an object, expected a string or a number");
        assertBad(
                d,
                "{\"review\":{\"body\":\"x\",\"stars\":true}}",
                "label field 'review.stars' is a boolean (true)");
        assertBad(
                d,
                "{\"review\":{\"body\":\"x\",\"stars\":1.5}}",
                "label field 'review.stars' is 1.5, not a whole number");
        assertBad(
                d,
                "{\"uid\":[1],\"review\":{\"body\":\"x\"}}",
                "id field 'uid' is an array, expected a string or a whole number");
        assertBad(d, "this is not JSON", "not JSON: ");
        assertBad(d, "{\"review\":{\"body\":\"x\"}} trailing", "not JSON: ");
        assertBad(d, "[1, 2]", "not a JSON object: an array");
        assertBad(d, "", "not a JSON object: the value is empty");
    }

    @Test
    void shouldGiveARecordWithoutAnIdItsCoordinatesAndDeadLetterBadOnesWithTheirBytes() {
        SampleInputs inputs =
                new SampleInputs(
                        List.of("reviews", "queries"),
                        null,
                        JSON_REVIEWS,
                        Map.of("queries", JSON_REVIEWS.with("format=text")),
                        null);
        SampleDeserializer deserializer = new SampleDeserializer(inputs);
        DecodedSample review =
                decode(deserializer, "reviews", 3, 41, bytes("{\"review\":{\"body\":\"ok\"}}"));
        assertThat(review.ok()).isTrue();
        assertThat(review.id).isEqualTo("reviews/3/41");
        DecodedSample query = decode(deserializer, "queries", 0, 5, bytes("{not json, just text}"));
        assertThat(query.ok()).isTrue();
        assertThat(query.text).isEqualTo("{not json, just text}");
        assertThat(query.id).isEqualTo("queries/0/5");
        assertThat(query.label).isNull();

        byte[] broken = bytes("{\"review\":{}}");
        DecodedSample bad = decode(deserializer, "reviews", 0, 9, broken);
        assertThat(bad.error).isEqualTo("no text field 'review.body'");
        assertThat(bad.raw).isEqualTo(broken);
        assertThat(bad.offset).isEqualTo(9);
    }

    @Test
    void shouldRefuseTextThatIsNotUtf8() throws Exception {
        RecordDecoder d = RecordDecoder.of(TopicInput.DEFAULT.with("format=text"), null);
        assertThat(d.decode(bytes("déjà vu")).text()).isEqualTo("déjà vu");
        assertThatThrownBy(() -> d.decode(new byte[] {'a', (byte) 0xC3, 'b'}))
                .isInstanceOf(BadRecordException.class)
                .hasMessageStartingWith("not UTF-8 text");
    }

    private static final Schema REVIEW =
            new Schema.Parser()
                    .parse(
                            "{\"type\":\"record\",\"name\":\"Review\",\"fields\":["
                                    + "{\"name\":\"uid\",\"type\":[\"null\",\"long\"],\"default\":null},"
                                    + "{\"name\":\"review\",\"type\":{\"type\":\"record\",\"name\":\"Body\",\"fields\":["
                                    + "{\"name\":\"body\",\"type\":\"string\"}]}},"
                                    + "{\"name\":\"sentiment\",\"type\":[\"null\",{\"type\":\"enum\",\"name\":\"S\",\"symbols\":[\"neg\",\"pos\"]}],\"default\":null}]}");

    /**
     * The wire format against a registry's REST contract served by the JDK's HTTP server: schemas
     * by id, an unknown id (404) is a bad record, an outage is retried and then fails the job. (Not
     * a registry implementation; the README says the path is not tested against a live one.)
     */
    @Test
    void shouldDecodeTheRegistryWireFormatAndFailTheJobWhenTheRegistryIsGone() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger requests = new AtomicInteger();
        server.createContext(
                "/schemas/ids/",
                ex -> {
                    requests.incrementAndGet();
                    boolean known = ex.getRequestURI().getPath().endsWith("/7");
                    byte[] body =
                            (known
                                            ? new com.fasterxml.jackson.databind.ObjectMapper()
                                                    .writeValueAsString(
                                                            Map.of("schema", REVIEW.toString()))
                                            : "{\"error_code\":40403,\"message\":\"Schema not found\"}")
                                    .getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(known ? 200 : 404, body.length);
                    ex.getResponseBody().write(body);
                    ex.close();
                });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        SchemaRegistryClient registry =
                new SchemaRegistryClient(url, Duration.ofSeconds(2), 3, Duration.ofMillis(10));
        RecordDecoder d =
                RecordDecoder.of(
                        TopicInput.DEFAULT.with(
                                "format=avro-registry,text-field=review.body,label-field=sentiment,id-field=uid"),
                        registry);
        try {
            GenericRecord body = new GenericData.Record(REVIEW.getField("review").schema());
            body.put("body", "friendly staff");
            GenericRecord r = new GenericData.Record(REVIEW);
            r.put("uid", 12L);
            r.put("review", body);
            r.put(
                    "sentiment",
                    new GenericData.EnumSymbol(
                            REVIEW.getField("sentiment").schema().getTypes().get(1), "pos"));
            SampleFields f = d.decode(wire(7, r));
            assertThat(f.text()).isEqualTo("friendly staff");
            assertThat(f.label()).isEqualTo("pos");
            assertThat(f.id()).isEqualTo("12");
            d.decode(wire(7, r));
            assertThat(requests.get()).as("schema fetched once, then cached").isEqualTo(1);

            assertThatThrownBy(() -> d.decode(wire(8, r)))
                    .isInstanceOf(BadRecordException.class)
                    .hasMessage("schema id 8 is unknown to the registry at " + url);
            assertThatThrownBy(() -> d.decode(bytes("{\"json\":1}")))
                    .hasMessageStartingWith("not in the schema registry wire format");
            byte[] truncated = wire(7, r);
            truncated = java.util.Arrays.copyOf(truncated, 7);
            final byte[] t = truncated;
            assertThatThrownBy(() -> d.decode(t))
                    .isInstanceOf(BadRecordException.class)
                    .hasMessageStartingWith("Avro body does not decode with schema id 7");
        } finally {
            server.stop(0);
        }
        RecordDecoder gone =
                RecordDecoder.of(
                        TopicInput.DEFAULT.with("format=avro-registry"),
                        new SchemaRegistryClient(
                                url, Duration.ofSeconds(1), 3, Duration.ofMillis(10)));
        assertThatThrownBy(() -> gone.decode(wire(9, new GenericData.Record(REVIEW))))
                .isInstanceOf(SchemaRegistryClient.RegistryUnavailableException.class)
                .hasMessageContaining("did not give schema 9 in 3 attempts");
        assertThatThrownBy(registry::check)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no schema registry answers at " + url);
    }

    private static byte[] wire(int id, GenericRecord r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        if (r.get("review") != null) {
            BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, e);
            e.flush();
        }
        return out.toByteArray();
    }

    private static void assertBad(RecordDecoder d, String json, String reason) {
        assertThatThrownBy(() -> d.decode(bytes(json)))
                .as(json)
                .isInstanceOf(BadRecordException.class)
                .hasMessageStartingWith(reason);
    }

    private static DecodedSample decode(
            SampleDeserializer s, String topic, int partition, long offset, byte[] value) {
        List<DecodedSample> out = new ArrayList<>();
        s.deserialize(
                new ConsumerRecord<>(topic, partition, offset, null, value),
                new ListCollector<>(out));
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
