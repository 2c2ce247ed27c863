package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.ShippedEncoder;
import io.flinkdistill.training.StepTimings;
import io.flinkdistill.training.StudentTrainer;
import io.flinkdistill.training.TrainerSettings;
import io.flinkdistill.training.TrainerState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill bench trainer}: training throughput of the default student and where a step's time
 * goes, checkpoint size and snapshot/restore time; against a baseline student with a full-width
 * (not factorised) token embedding, measured in the same run. Inputs are SST-2 sentences tokenized
 * by the teacher's tokenizer; the teacher outputs are random vectors, since this measures the
 * trainer, not the teacher.
 */
@Command(
        name = "trainer",
        mixinStandardHelpOptions = true,
        description = "Student training speed, step breakdown and checkpoint cost.")
public final class TrainerBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--steps",
            defaultValue = "200",
            description = "Measured steps per student (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Samples per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @picocli.CommandLine.Mixin JsonOutput json = new JsonOutput();

    @Override
    public Integer call() throws Exception {
        if (steps < 10) {
            throw new JobOptions.OptionException("--steps", "must be >= 10, got " + steps);
        }
        if (batchSize < 1) {
            throw new JobOptions.OptionException("--batch-size", "must be >= 1, got " + batchSize);
        }
        List<int[]> tokens = sst2Tokens(2000);
        ObjectNode report = JSON.createObjectNode();
        report.put("batch_size", batchSize);
        report.put("steps", steps);
        ArrayNode rows = report.putArray("students");
        StudentConfig factorised =
                new StudentConfig(30522, 64, 128, 2, 4, 512, 64, 2, 384, 0.1f, 42);
        StudentConfig fullWidth =
                new StudentConfig(30522, 128, 128, 2, 4, 512, 64, 2, 384, 0.1f, 42);
        StudentConfig cnn =
                new StudentConfig(30522, 64, 128, 4, 4, 512, 64, 2, 384, 0.1f, 42)
                        .withFamily(StudentConfig.Family.CNN, 5);
        ObjectNode main = run("default (factorised embedding 64)", factorised, tokens);
        ObjectNode base = run("baseline (full-width embedding 128)", fullWidth, tokens);
        ObjectNode conv = run("cnn (4 layers, kernel 5, factorised embedding 64)", cnn, tokens);
        rows.add(main);
        rows.add(base);
        rows.add(conv);
        report.put(
                "cnn_speed_vs_default",
                round(
                        conv.get("samples_per_second").asDouble()
                                / main.get("samples_per_second").asDouble()));
        report.put(
                "speedup_vs_baseline",
                round(
                        main.get("samples_per_second").asDouble()
                                / base.get("samples_per_second").asDouble()));
        report.put(
                "checkpoint_ratio_vs_baseline",
                round(
                        main.get("checkpoint_bytes").asDouble()
                                / base.get("checkpoint_bytes").asDouble()));
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        json.write(report);
        return 0;
    }

    private ObjectNode run(String label, StudentConfig config, List<int[]> tokens) {
        TrainerSettings settings =
                TrainerSettings.builder(config)
                        .optLossWeights(
                                config.hasAttention()
                                        ? io.flinkdistill.loss.LossWeights.defaults()
                                        : new io.flinkdistill.loss.LossWeights(0.5, 0.3, 0, 0.5, 3))
                        .optBatchSize(batchSize)
                        .optLearningRate(1e-3)
                        .optWarmupSteps(10)
                        .optCycleSamples(1_000_000)
                        .optMetricsEverySteps(1_000_000)
                        .optEvalWindow(500)
                        .optMaxConsecutiveSkips(5)
                        .build();
        SplittableRandom rng = new SplittableRandom(1);
        ObjectNode row = JSON.createObjectNode();
        row.put("student", label);
        try (StudentTrainer trainer = new StudentTrainer("bench", settings)) {
            row.put("params", trainer.model().parameterCount());
            int warmup = 10;
            for (int i = 0; i < warmup * batchSize; i++) {
                trainer.accept(sample(tokens, rng, config));
            }
            trainer.timings().reset();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps * batchSize; i++) {
                trainer.accept(sample(tokens, rng, config));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            StepTimings t = trainer.timings();
            row.put("samples_per_second", round(steps * batchSize / seconds));
            row.put("step_ms", round(seconds * 1000 / steps));
            row.put("forward_ms", round(t.forwardMillis()));
            row.put("backward_ms", round(t.backwardMillis()));
            row.put("optimizer_ms", round(t.optimizerMillis()));
            int reps = 5;
            long snapNanos = 0;
            byte[] bytes = null;
            for (int i = 0; i < reps; i++) {
                long s = System.nanoTime();
                bytes = trainer.snapshot().toBytes();
                snapNanos += System.nanoTime() - s;
            }
            row.put("checkpoint_bytes", bytes.length);
            row.put("snapshot_ms", round(snapNanos / 1e6 / reps));
            long r = System.nanoTime();
            try (StudentTrainer restored =
                    StudentTrainer.restore(TrainerState.fromBytes(bytes), settings)) {
                row.put("restore_ms", round((System.nanoTime() - r) / 1e6));
            }
        }
        System.err.println("measured " + label + ": " + row);
        return row;
    }

    private static ScoredSample sample(List<int[]> tokens, SplittableRandom rng, StudentConfig c) {
        ScoredSample s = new ScoredSample();
        s.student = "bench";
        s.id = "b";
        s.tokens = tokens.get(rng.nextInt(tokens.size()));
        s.teacherLogits = new float[c.numClasses()];
        for (int i = 0; i < s.teacherLogits.length; i++) {
            s.teacherLogits[i] = (float) rng.nextGaussian();
        }
        s.teacherFeatures = new float[c.teacherDim()];
        for (int i = 0; i < s.teacherFeatures.length; i++) {
            s.teacherFeatures[i] = (float) rng.nextGaussian() * 0.3f;
        }
        s.label = rng.nextInt(20) == 0 ? rng.nextInt(c.numClasses()) : -1;
        return s;
    }

    private static List<int[]> sst2Tokens(int n) throws Exception {
        List<TsvRow> rows =
                io.flinkdistill.pipeline.replay.BundledData.read("sst2", "train.tsv").rows();
        List<int[]> out = new ArrayList<>();
        try (OnnxTeacher teacher = OnnxTeacher.open(ShippedEncoder.E5_SMALL_V2_Q, null, 64, 1)) {
            for (TsvRow row : rows.subList(0, n)) {
                out.add(teacher.tokenize(row.text()));
            }
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
