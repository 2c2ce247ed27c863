package io.flinkdistill.pipeline;

import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.kafka.Topics;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.ShippedEncoder;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Sample counts and metrics waits shared by the cluster tests (eval fraction 0.1). */
final class ClusterRuns {
    static final Duration DEADLINE = Duration.ofMinutes(3);

    private ClusterRuns() {}

    /**
     * The client config, SST-2 shuffled by seed, and a fitted teacher head (on the first 300 rows).
     */
    record Prepared(
            Map<String, Object> client, TsvDataset data, List<TsvRow> rows, Path headFile) {}

    /** Creates the job's five topics, copies SST-2 train out of the jar and fits the e5 head. */
    static Prepared prepare(String bootstrapServers, Path dir, long seed) throws Exception {
        Map<String, Object> client = Map.of("bootstrap.servers", bootstrapServers);
        Topics.ensure(
                client,
                Map.of(
                        "distill.samples", 2,
                        "distill.metrics", 1,
                        "distill.samples.dlq", 1,
                        "distill.control", 1,
                        "distill.models", 1),
                Duration.ofSeconds(30));
        Sst2Rows data = Sst2Rows.shuffled(dir.resolve("train.tsv"), seed);
        Path headFile = dir.resolve("head.json");
        data.head(ShippedEncoder.E5_SMALL_V2_Q, 300).save(headFile);
        return new Prepared(client, data.data(), data.rows(), headFile);
    }

    /**
     * The rows from {@code start} on that hold exactly {@code count} training (non-eval) samples.
     */
    static List<TsvRow> withTrainCount(TsvDataset data, List<TsvRow> rows, int start, int count) {
        EvalSplit split = new EvalSplit(0.1);
        int train = 0;
        int end = start;
        while (train < count) {
            train += split.isEval(data.idOf(rows.get(end))) ? 0 : 1;
            end++;
        }
        return rows.subList(start, end);
    }

    static long trainCount(TsvDataset data, List<TsvRow> rows) {
        EvalSplit split = new EvalSplit(0.1);
        return rows.stream().filter(r -> !split.isEval(data.idOf(r))).count();
    }

    /**
     * Waits until the metrics topic reports at least {@code n} samples trained; the newest record.
     */
    static DistillMetrics waitForSamples(String bootstrapServers, long n) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        DistillMetrics last = null;
        while (System.nanoTime() < deadline) {
            List<byte[]> records = TopicRecords.readAll(bootstrapServers, "distill.metrics");
            if (!records.isEmpty()) {
                last =
                        DistillMetrics.fromByteBuffer(
                                ByteBuffer.wrap(records.get(records.size() - 1)));
                if (last.getSamplesTrained() >= n) {
                    return last;
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(
                "no metrics with " + n + " samples trained within " + DEADLINE + "; last: " + last);
    }

    /**
     * The arguments of {@code local-cluster.sh submit run} with the cluster tests' common options
     * (checkpoints every second, metrics every 5 steps, eval fraction 0.1), then {@code more}.
     */
    static List<String> submitRun(String bootstrapServers, Path head, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "submit",
                                "run",
                                "--bootstrap-servers",
                                bootstrapServers,
                                "--teacher-head",
                                head.toString(),
                                "--checkpoint-interval-ms",
                                "1000",
                                "--metrics-every",
                                "5",
                                "--eval-fraction",
                                "0.1"));
        args.addAll(List.of(more));
        return args;
    }

    /** The texts of the eval-slice rows of a stream (eval fraction 0.1). */
    static List<String> evalTexts(TsvDataset data, List<TsvRow> stream) {
        EvalSplit split = new EvalSplit(0.1);
        return stream.stream().filter(r -> split.isEval(data.idOf(r))).map(TsvRow::text).toList();
    }

    /**
     * Agreement of published fp32 students with the teacher on the same texts, against a fixed
     * reference: the best agreement an answer that ignores its input can have (the share of the
     * teacher's most frequent label on these texts).
     */
    record Agreement(int texts, double constantAnswer, double[] versions) {
        /**
         * Whether version {@code k} agrees with the teacher clearly more than any constant answer
         * does: by two standard errors of a share on this many texts ({@code 1 / sqrt(n)} at
         * worst). An untrained student answers nearly one label for everything, so it fails this;
         * comparing with the first published version instead depends on when that version comes,
         * which a restart moves.
         */
        boolean learned(int k) {
            return versions[k] > constantAnswer + margin();
        }

        double margin() {
            return 1 / Math.sqrt(texts);
        }

        /** What the check of {@link #learned} compares, for a failure message. */
        String describe() {
            return String.format(
                    "agreement with the teacher on %d texts: first version %.3f, last %.3f; any"
                            + " constant answer at most %.3f (learned above %.3f)",
                    texts,
                    versions[0],
                    versions[versions.length - 1],
                    constantAnswer,
                    constantAnswer + margin());
        }
    }

    /** Agreement of published fp32 students (by URI) with the teacher on these texts. */
    static Agreement agreementWithTeacher(List<String> texts, Path head, List<String> uris)
            throws Exception {
        int[] teacher;
        try (io.flinkdistill.teacher.OnnxTeacher t =
                io.flinkdistill.teacher.OnnxTeacher.open(
                        ShippedEncoder.E5_SMALL_V2_Q, LinearHead.load(head), 64, 2)) {
            teacher =
                    t.infer(texts).stream()
                            .mapToInt(io.flinkdistill.teacher.TeacherOutput::predictedClass)
                            .toArray();
        }
        int[] perClass = new int[2];
        for (int c : teacher) {
            perClass[c]++;
        }
        double constant = Math.max(perClass[0], perClass[1]) / (double) teacher.length;
        double[] agreement = new double[uris.size()];
        for (int k = 0; k < uris.size(); k++) {
            try (io.flinkdistill.serving.OnnxStudent s =
                    io.flinkdistill.serving.OnnxStudent.open(
                            Files.readAllBytes(Path.of(java.net.URI.create(uris.get(k)))), 2)) {
                float[][] p = s.predict(texts);
                int agree = 0;
                for (int i = 0; i < p.length; i++) {
                    agree += io.flinkdistill.loss.Logits.argmax(p[i]) == teacher[i] ? 1 : 0;
                }
                agreement[k] = agree / (double) p.length;
            }
        }
        return new Agreement(texts.size(), constant, agreement);
    }
}
