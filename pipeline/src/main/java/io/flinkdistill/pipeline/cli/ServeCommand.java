package io.flinkdistill.pipeline.cli;

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
 * v<version><TAB>label<TAB>class=probability ...}.
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

    @Override
    public Integer call() throws Exception {
        JobOptions.atLeastOption("--threads", threads, 1);
        JobOptions.atLeastOption("--wait-seconds", waitSeconds, 0);
        Map<String, Object> client = kafka.clientConfig();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (HotSwapModel served = new HotSwapModel(student, format.label(), threads);
                TopicFollower<StudentModelPublished> follower =
                        new TopicFollower<>(
                                client,
                                modelsTopic,
                                v -> StudentModelPublished.fromByteBuffer(ByteBuffer.wrap(v)),
                                e -> offer(served, e));
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
                                + PredictCommand.format(p.classes(), p.probabilities()[0]));
            }
        }
        return 0;
    }

    private static void offer(HotSwapModel served, StudentModelPublished e) {
        try {
            served.offer(e);
        } catch (Exception ex) {
            System.err.println("Not serving " + e.getUri() + ": " + ex.getMessage());
        }
    }
}
