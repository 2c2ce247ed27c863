package io.flinkdistill.pipeline.cli;

import io.flinkdistill.publish.ModelStore;
import io.flinkdistill.serving.OnnxStudent;
import io.flinkdistill.teacher.ModelSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill predict --model URI}: labels text lines from stdin with an exported student on
 * ONNX Runtime, one output line per input: the label, then each class's probability.
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description =
                "Label text lines from stdin with an exported student (ONNX Runtime, no Flink): label<TAB>class=probability ...")
public final class PredictCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            description =
                    "The student's ONNX file: a path, any Flink FileSystem URI or classpath:.")
    String model;

    @Option(
            names = "--sha256",
            description =
                    "Refuse the model unless its SHA-256 is this (hex), as its metadata says.")
    String sha256;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description = "ONNX Runtime threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        JobOptions.atLeastOption("--threads", threads, 1);
        byte[] bytes;
        try {
            bytes = ModelSource.read(model);
        } catch (java.io.IOException e) {
            throw new JobOptions.OptionException("--model", e.getMessage());
        }
        if (sha256 != null && !ModelStore.sha256(bytes).equalsIgnoreCase(sha256)) {
            throw new JobOptions.OptionException(
                    "--sha256",
                    "the model's SHA-256 is " + ModelStore.sha256(bytes) + ", not " + sha256);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (OnnxStudent student = OnnxStudent.open(bytes, threads);
                BufferedReader in =
                        new BufferedReader(
                                new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                out.println(
                        PredictionLine.format(
                                student.classes(), student.predict(List.of(line))[0]));
            }
        }
        return 0;
    }
}
