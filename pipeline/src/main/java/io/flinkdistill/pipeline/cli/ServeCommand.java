package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.kafka.TopicFollower;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.serving.HotSwapModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill serve}: follows {@code distill.models}, verifies each new version's sha256, swaps
 * it in without stopping, and labels text lines from stdin with whatever version is newest: {@code
 * v<version><TAB>label<TAB>class=probability ...}. With {@code --cascade} an unsure student defers
 * to the teacher, and each line says who answered: {@code v<version><TAB>student|teacher<TAB>label
 * <TAB>...}, or {@code v<version><TAB>error<TAB>reason}.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Serve the newest published student: follow the models topic, verify, hot-swap; label stdin lines.")
public final class ServeCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin KafkaConnection kafka = new KafkaConnection();

    @Option(
            names = "--models-topic",
            defaultValue = "distill.models",
            description = "Topic of model events (default: ${DEFAULT-VALUE}).")
    String modelsTopic;

    @Option(
            names = "--student",
            defaultValue = "student",
            description = "Student to serve (default: ${DEFAULT-VALUE}).")
    String student;

    @Option(
            names = "--format",
            defaultValue = "onnx-int8",
            description = "onnx-int8 or onnx-fp32 (default: ${DEFAULT-VALUE}).")
    Choices.ServeFormat format;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description = "ONNX Runtime threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--wait-seconds",
            defaultValue = "60",
            description =
                    "How long a query waits for the first version to arrive (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Option(
            names = "--cascade",
            description =
                    "Defer queries the student is unsure of to the teacher (--teacher, --teacher-head); the threshold comes from each version's published deferral curve.")
    boolean cascade;

    @Option(
            names = "--teacher",
            defaultValue = "e5-small-v2-q",
            description = "With --cascade: the job's teacher spec (default: ${DEFAULT-VALUE}).")
    String teacher;

    @Option(
            names = "--teacher-head",
            description = "With --cascade: the job's head for that teacher (from fit-head).")
    java.nio.file.Path teacherHead;

    @Option(
            names = "--max-tokens",
            defaultValue = "64",
            description = "With --cascade: the teacher's truncation (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @picocli.CommandLine.Mixin CascadeOptions choice = new CascadeOptions();

    @Option(
            names = "--deferred-topic",
            description =
                    "With --cascade: write every deferred query to this topic as an unlabelled Avro TrainingSample (e.g. the job's samples topic, so the student learns from them).")
    String deferredTopic;

    @Option(
            names = "--stats-every-seconds",
            defaultValue = "60",
            description =
                    "With --cascade: a line of serving figures to stderr this often (queries, share deferred, latency p50/p99 per path) (default: ${DEFAULT-VALUE}).")
    int statsEverySeconds;

    @Option(
            names = "--stats-topic",
            description =
                    "With --cascade: also write those figures to this topic, one JSON object per interval.")
    String statsTopic;

    @Override
    public Integer call() throws Exception {
        JobOptions.atLeastOption("--threads", threads, 1);
        JobOptions.atLeastOption("--wait-seconds", waitSeconds, 0);
        if (cascade) {
            return new CascadeServer(this).serve();
        }
        Map<String, Object> client = kafka.clientConfig();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (HotSwapModel served = new HotSwapModel(student, format.label(), threads);
                TopicFollower<StudentModelPublished> follower =
                        new TopicFollower<>(
                                client,
                                modelsTopic,
                                v -> StudentModelPublished.fromByteBuffer(ByteBuffer.wrap(v)),
                                e -> PredictionLine.offer(served, e));
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                HotSwapModel.Prediction p = served.predict(List.of(line));
                long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
                while (p == null && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    p = served.predict(List.of(line));
                }
                if (p == null) {
                    System.err.printf(
                            "No version of %s (%s) on %s within %d s.%n",
                            student, format.label(), modelsTopic, waitSeconds);
                    return 1;
                }
                out.println(
                        "v"
                                + p.version()
                                + "\t"
                                + PredictionLine.format(p.classes(), p.probabilities()[0]));
            }
        }
        return 0;
    }
}
