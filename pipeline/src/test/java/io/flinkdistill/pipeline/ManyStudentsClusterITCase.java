package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.kafka.ConsumerLag;
import io.flinkdistill.pipeline.kafka.Topics;
import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.training.StudentFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several students on one standalone cluster (two TaskManager JVMs of two slots each): one job
 * trains three students routed by the samples' source on two trainer subtasks, a second job trains
 * a fourth student on its own topics, all at once. The TaskManager with the most busy slots is
 * killed with {@code kill -9} while they train; both jobs restart from their checkpoints. At the
 * end each student has trained exactly the samples routed to it (count and id digest), and each
 * learned.
 */
class ManyStudentsClusterITCase {
    private static final int ROWS_PER_STUDENT = 600;
    private static final double SAMPLES_PER_SECOND = 12;

    @TempDir static Path dir;
    @RegisterExtension static final TestBed BED = TestBed.standalone(2);

    /** A student's rows, the job it belongs to and the topics that job uses. */
    private record Student(String name, TsvDataset data, String metricsTopic, String modelsTopic) {}

    @Test
    void shouldTrainFourStudentsInTwoJobsEachOnExactlyItsSamplesThroughATaskManagerKill()
            throws Exception {
        String bootstrap = BED.broker().bootstrapServers();
        ClusterRuns.Prepared run = ClusterRuns.prepare(bootstrap, dir, 29);
        Topics.ensure(
                run.client(),
                Map.of(
                        "b.samples", 2,
                        "b.metrics", 1,
                        "b.dlq", 1,
                        "b.control", 1,
                        "b.models", 1),
                Duration.ofSeconds(30));
        // Job A reads alpha.tsv, beta.tsv and other.tsv from distill.samples (alpha and beta
        // routed, the rest to its default student "other"); job B reads gamma.tsv from b.samples.
        List<String> names = List.of("alpha", "beta", "other", "gamma");
        List<Student> students = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            List<TsvRow> part =
                    run.rows()
                            .subList(300 + ROWS_PER_STUDENT * i, 300 + ROWS_PER_STUDENT * (i + 1));
            Path file = dir.resolve(name + ".tsv");
            Files.write(file, part.stream().map(r -> r.text() + "\t" + r.label()).toList());
            TsvDataset data = TsvDataset.read(file);
            boolean jobB = name.equals("gamma");
            students.add(
                    new Student(
                            name,
                            data,
                            jobB ? "b.metrics" : "distill.metrics",
                            jobB ? "b.models" : "distill.models"));
        }
        List<String> common =
                ClusterRuns.submitRun(
                        bootstrap,
                        run.headFile(),
                        "--publish-margin",
                        "-1",
                        // The first version is published after 5 steps (nearly untrained).
                        "--publish-min-eval",
                        "1",
                        "--trainer-threads",
                        "1",
                        // A small student on a short learning-rate cycle: it learns from a few
                        // hundred samples, and four of them share two cores.
                        "--student-embed",
                        "32",
                        "--student-hidden",
                        "64",
                        "--student-layers",
                        "1",
                        "--student-heads",
                        "4",
                        "--student-ffn",
                        "128",
                        "--batch-size",
                        "16",
                        "--learning-rate",
                        "3e-3",
                        "--warmup-steps",
                        "5",
                        "--cycle-samples",
                        Integer.toString(ROWS_PER_STUDENT));
        List<String> jobA = new ArrayList<>(common);
        jobA.addAll(
                List.of(
                        "--student",
                        "other",
                        "--route",
                        "alpha=alpha.tsv*",
                        "--route",
                        "beta=beta*",
                        "--trainer-parallelism",
                        "2",
                        "--model-store",
                        dir.resolve("models-a").toUri().toString(),
                        "--export-dir",
                        dir.resolve("students-a").toString()));
        String a = BED.cluster().run(Map.of(), jobA);
        List<String> jobB = new ArrayList<>(common);
        jobB.addAll(
                List.of(
                        "--student",
                        "gamma",
                        "--samples-topic",
                        "b.samples",
                        "--metrics-topic",
                        "b.metrics",
                        "--dlq-topic",
                        "b.dlq",
                        "--control-topic",
                        "b.control",
                        "--models-topic",
                        "b.models",
                        "--group-id",
                        "b",
                        "--model-store",
                        dir.resolve("models-b").toUri().toString(),
                        "--export-dir",
                        dir.resolve("students-b").toString()));
        String b = BED.cluster().run(Map.of(), jobB);

        // Live data, each source at the same pace (the one student of job B would otherwise be
        // done before the three of job A, which share a teacher, are a third of the way).
        List<CompletableFuture<Long>> producers = new ArrayList<>();
        for (Student s : students) {
            producers.add(
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return SampleProducer.produce(
                                            run.client(),
                                            s.name().equals("gamma")
                                                    ? "b.samples"
                                                    : "distill.samples",
                                            s.data(),
                                            s.data().rows(),
                                            1,
                                            r -> false,
                                            SAMPLES_PER_SECOND);
                                } catch (InterruptedException e) {
                                    throw new IllegalStateException(e);
                                }
                            }));
        }
        // Kill once every student has trained a little (about a third of its samples).
        awaitEachTrained(bootstrap, students, ROWS_PER_STUDENT / 3);
        // The TaskManager of job B's one subtask; if job A (two slots) ran elsewhere, the one of
        // A's TaskManagers with the most busy slots too: both jobs restart from a checkpoint.
        Set<String> restarted =
                new TreeSet<>(
                        BED.cluster()
                                .killBusyTaskManagerAndAwaitRestart(b)
                                .noticedAndBack()
                                .keySet());
        if (!restarted.contains(a)) {
            restarted.addAll(
                    BED.cluster().killBusyTaskManagerAndAwaitRestart(a).noticedAndBack().keySet());
        }
        assertThat(restarted).as("jobs restarted after a TaskManager kill").contains(a, b);
        for (CompletableFuture<Long> p : producers) {
            assertThat(p.get(3, TimeUnit.MINUTES)).isEqualTo(ROWS_PER_STUDENT);
        }
        // Once a job's group has committed the end of its topic (every sample is in a completed
        // checkpoint), it is stopped with a drain: the trainer ends its input and writes its files.
        drainAtEnd(run.client(), "flink-distill", "distill.samples", a);
        drainAtEnd(run.client(), "b", "b.samples", b);

        // Learning is judged on 400 SST-2 rows no job saw, against the teacher.
        int streamed = 300 + ROWS_PER_STUDENT * names.size();
        List<String> heldOut =
                run.rows().subList(streamed, streamed + 400).stream().map(TsvRow::text).toList();
        EvalSplit split = new EvalSplit(0.1);
        for (Student s : students) {
            List<TsvRow> train =
                    s.data().rows().stream().filter(r -> !split.isEval(s.data().idOf(r))).toList();
            DistillMetrics last = latest(bootstrap, s.metricsTopic()).get(s.name());
            assertThat(last).as("metrics of %s", s.name()).isNotNull();
            assertThat(last.getSamplesTrained())
                    .as("%s trained what was routed to it", s.name())
                    .isEqualTo(train.size());
            long digest = 0;
            for (TsvRow r : train) {
                digest += io.flinkdistill.sample.SampleIds.hash(s.data().idOf(r));
            }
            Path exported =
                    dir.resolve(s.name().equals("gamma") ? "students-b" : "students-a")
                            .resolve(s.name() + ".student");
            assertThat(StudentFile.read(exported).provenance().trained().idDigest())
                    .as("%s trained exactly its own samples, each once", s.name())
                    .isEqualTo(digest);

            List<String> uris = new ArrayList<>();
            for (byte[] v : TopicRecords.readAll(bootstrap, s.modelsTopic())) {
                StudentModelPublished m = StudentModelPublished.fromByteBuffer(ByteBuffer.wrap(v));
                if (m.getStudent().toString().equals(s.name())
                        && m.getFormat().toString().equals("onnx-fp32")) {
                    uris.add(m.getUri().toString());
                }
            }
            assertThat(uris)
                    .as("published versions of %s", s.name())
                    .hasSizeGreaterThanOrEqualTo(2);
            ClusterRuns.Agreement agreement =
                    ClusterRuns.agreementWithTeacher(
                            heldOut,
                            run.headFile(),
                            List.of(uris.get(0), uris.get(uris.size() - 1)));
            System.out.printf(
                    "%s: %d samples trained, %d versions published; %s%n",
                    s.name(), last.getSamplesTrained(), uris.size(), agreement.describe());
            assertThat(agreement.learned(1))
                    .as("%s learned: %s", s.name(), agreement.describe())
                    .isTrue();
        }
    }

    private static void drainAtEnd(
            Map<String, Object> client, String group, String topic, String job) throws Exception {
        try (ConsumerLag lag = new ConsumerLag(client, group, List.of(topic), null)) {
            long deadline = System.nanoTime() + ClusterRuns.DEADLINE.toNanos();
            while (lag.records() > 0) {
                assertThat(System.nanoTime())
                        .as("deadline for %s to reach the end of %s", group, topic)
                        .isLessThan(deadline);
                Thread.sleep(500);
            }
        }
        BED.cluster().run("drain", job);
        assertThat(BED.cluster().run("wait", job, "300")).endsWith("FINISHED");
    }

    /** The newest metrics record of each student on a metrics topic (by samples trained). */
    private static Map<String, DistillMetrics> latest(String bootstrap, String topic)
            throws Exception {
        Map<String, DistillMetrics> latest = new TreeMap<>();
        for (byte[] v : TopicRecords.readAll(bootstrap, topic)) {
            DistillMetrics m = DistillMetrics.fromByteBuffer(ByteBuffer.wrap(v));
            latest.merge(
                    m.getStudent().toString(),
                    m,
                    (x, y) -> y.getSamplesTrained() >= x.getSamplesTrained() ? y : x);
        }
        return latest;
    }

    private static void awaitEachTrained(String bootstrap, List<Student> students, long n)
            throws Exception {
        long deadline = System.nanoTime() + ClusterRuns.DEADLINE.toNanos();
        Map<String, Long> trained = new LinkedHashMap<>();
        while (true) {
            for (Student s : students) {
                DistillMetrics m = latest(bootstrap, s.metricsTopic()).get(s.name());
                trained.put(s.name(), m == null ? 0 : m.getSamplesTrained());
            }
            if (trained.values().stream().allMatch(t -> t >= n)) {
                System.out.println("Trained before the kill: " + trained);
                return;
            }
            assertThat(System.nanoTime())
                    .as("every student trained %d samples (so far %s)", n, trained)
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }
}
