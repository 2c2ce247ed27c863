package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkdistill.pipeline.kafka.TopicFollower;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.schemas.TrainingSample;
import io.flinkdistill.serving.Cascade;
import io.flinkdistill.serving.HotSwapModel;
import io.flinkdistill.serving.ServeStats;
import io.flinkdistill.serving.TeacherAnswers;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** {@code distill serve --cascade}: the student answers, the teacher takes what it is unsure of. */
final class CascadeServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ServeCommand o;

    CascadeServer(ServeCommand options) {
        this.o = options;
    }

    int serve() throws Exception {
        Cascade.Policy policy = o.choice.policy();
        JobOptions.atLeastOption("--stats-every-seconds", o.statsEverySeconds, 1);
        JobOptions.atLeastOption("--max-tokens", o.maxTokens, 8);
        TeacherSpec spec;
        try {
            spec = TeacherSpec.parse(o.teacher);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--teacher", e.getMessage());
        }
        LinearHead head = null;
        if (!spec.hasOwnClassifier()) {
            if (o.teacherHead == null) {
                throw new JobOptions.OptionException(
                        "--teacher-head",
                        "the cascade needs the job's head for teacher '" + spec.name() + "'");
            }
            head = LinearHead.load(o.teacherHead);
        }
        List<String> classes = head != null ? head.classes : spec.classes();
        Map<String, Object> client = o.kafka.clientConfig();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        ServeStats stats = new ServeStats();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try (OnnxTeacher t = OnnxTeacher.open(spec, head, o.maxTokens, o.threads);
                KafkaProducer<byte[], byte[]> producer =
                        o.deferredTopic != null || o.statsTopic != null ? producer(client) : null;
                HotSwapModel served = new HotSwapModel(o.student, o.format.label(), o.threads);
                TopicFollower<StudentModelPublished> follower =
                        new TopicFollower<>(
                                client,
                                o.modelsTopic,
                                v -> StudentModelPublished.fromByteBuffer(ByteBuffer.wrap(v)),
                                e -> PredictionLine.offer(served, e));
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            Cascade cascade =
                    new Cascade(
                            served,
                            new TeacherAnswers(t, classes),
                            policy,
                            deferredSink(producer, served));
            ticker.scheduleAtFixedRate(
                    () -> report(stats, producer),
                    o.statsEverySeconds,
                    o.statsEverySeconds,
                    TimeUnit.SECONDS);
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                Cascade.Answer a = cascade.answer(line);
                long deadline = System.nanoTime() + o.waitSeconds * 1_000_000_000L;
                while (a == null && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    a = cascade.answer(line);
                }
                if (a == null) {
                    System.err.printf(
                            "No version of %s (%s) on %s within %d s.%n",
                            o.student, o.format.label(), o.modelsTopic, o.waitSeconds);
                    return 1;
                }
                stats.record(a);
                out.println(format(a));
            }
            ticker.shutdownNow();
            // The last interval too, before the producer closes.
            report(stats, producer);
        } finally {
            ticker.shutdownNow();
        }
        return 0;
    }

    /** {@code v3<TAB>teacher<TAB>1<TAB>0=0.1000 1=0.9000}, or {@code v3<TAB>error<TAB>reason}. */
    static String format(Cascade.Answer a) {
        String who = a.source().name().toLowerCase(java.util.Locale.ROOT);
        if (a.source() == Cascade.Source.ERROR) {
            return "v" + a.version() + "\t" + who + "\t" + a.error();
        }
        return "v"
                + a.version()
                + "\t"
                + who
                + "\t"
                + PredictionLine.format(a.classes(), a.probabilities());
    }

    private Consumer<String> deferredSink(
            KafkaProducer<byte[], byte[]> producer, HotSwapModel served) {
        if (o.deferredTopic == null) {
            return text -> {};
        }
        return text -> {
            // The same query asked again is the same sample: the job's de-duplication drops it.
            String id =
                    "deferred:"
                            + io.flinkdistill.publish.ModelStore.sha256(
                                            text.getBytes(StandardCharsets.UTF_8))
                                    .substring(0, 16);
            TrainingSample s =
                    TrainingSample.newBuilder()
                            .setId(id)
                            .setText(text)
                            .setLabel(null)
                            .setFeatures(null)
                            .setSource("serve --cascade " + o.student + " v" + served.version())
                            .setEventTime(Instant.now())
                            .build();
            producer.send(
                    new ProducerRecord<>(
                            o.deferredTopic,
                            id.getBytes(StandardCharsets.UTF_8),
                            io.flinkdistill.pipeline.replay.SampleEncoding.AVRO.encode(s)));
        };
    }

    private void report(ServeStats stats, KafkaProducer<byte[], byte[]> producer) {
        Map<String, Double> m = stats.drain();
        if (m.get("queries") == 0) {
            return;
        }
        System.err.println(ServeStats.line(m));
        if (producer != null && o.statsTopic != null) {
            try {
                java.util.LinkedHashMap<String, Object> record = new java.util.LinkedHashMap<>();
                record.put("student", o.student);
                record.putAll(m);
                record.put("timestamp", System.currentTimeMillis());
                producer.send(new ProducerRecord<>(o.statsTopic, JSON.writeValueAsBytes(record)));
            } catch (Exception e) {
                System.err.println("Could not write serving figures: " + e.getMessage());
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        return new KafkaProducer<>(p);
    }
}
