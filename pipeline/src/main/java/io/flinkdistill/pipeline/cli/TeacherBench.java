package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.pipeline.job.DistillationJob;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherInput;
import io.flinkdistill.teacher.TeacherOperator;
import io.flinkdistill.teacher.TeacherSettings;
import io.flinkdistill.teacher.TeacherSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code distill bench teacher}: throughput of the teacher operator inside a Flink job against a
 * bare ONNX Runtime loop doing the same work (same model, threads, micro-batches, length grouping
 * and attention outputs) over the same sentences, in the same run; and the operator with length
 * grouping on and off. Both are timed after the same warm-up samples. The head is random (it does
 * not change the cost).
 */
@Command(
        name = "teacher",
        mixinStandardHelpOptions = true,
        description =
                "Teacher operator throughput vs a bare ONNX Runtime loop, length grouping on/off.")
public final class TeacherBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Batches gathered before sorting by length, as the operator does. */
    private static final int POOL_CHUNKS = 4;

    @Option(
            names = "--samples",
            defaultValue = "2048",
            description = "Measured sentences (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(
            names = "--warmup",
            defaultValue = "256",
            description = "Sentences run before timing starts (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--teacher",
            defaultValue = "e5-small-v2-q",
            description = "Teacher model, as for 'run --teacher' (default: ${DEFAULT-VALUE}).")
    String teacher;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description = "ONNX Runtime threads, both sides (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--batch",
            defaultValue = "32",
            description = "Micro-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--attention-layers",
            defaultValue = "2",
            description =
                    "Attention maps sent for a student of this many layers, 0 for none (default: ${DEFAULT-VALUE}).")
    int attentionLayers;

    @Option(
            names = "--attention-heads",
            defaultValue = "all",
            description =
                    "'all' (averaged by the operator) or 'graph' (averaged inside the ONNX graph) (default: ${DEFAULT-VALUE}).")
    Choices.AttentionHeads attentionHeads;

    @picocli.CommandLine.Mixin JsonOutput json = new JsonOutput();

    @Override
    public Integer call() throws Exception {
        JobOptions.atLeastOption("--samples", samples, 64);
        JobOptions.atLeastOption("--warmup", warmup, 0);
        JobOptions.atLeastOption("--threads", threads, 1);
        JobOptions.atLeastOption("--batch", batch, 1);
        JobOptions.atLeastOption("--attention-layers", attentionLayers, 0);
        if (attentionHeads != Choices.AttentionHeads.ALL
                && attentionHeads != Choices.AttentionHeads.GRAPH) {
            throw new JobOptions.OptionException(
                    "--attention-heads",
                    "must be 'all' or 'graph' (the bench times the teacher alone), got '"
                            + attentionHeads.label()
                            + "'");
        }
        TeacherSpec spec;
        try {
            spec = TeacherSpec.parse(teacher);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--teacher", e.getMessage());
        }
        List<String> texts = sentences(warmup + samples);
        LinearHead head;
        try (OnnxTeacher probe = OnnxTeacher.open(spec, null, 64, 1)) {
            head = randomHead(spec.name(), probe.hiddenSize());
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--teacher", e.getMessage());
        }
        System.out.printf(
                "Teacher %s, %d threads, batches of %d, attention for %d student layers; %d sentences after %d warm-up.%n",
                spec.name(), threads, batch, attentionLayers, samples, warmup);
        double bare = bareLoop(spec, head, texts, true);
        System.out.printf("bare ONNX Runtime loop, length grouping on:  %8.1f samples/s%n", bare);
        double operator = operatorJob(spec, head, texts, true);
        System.out.printf(
                "teacher operator in Flink, grouping on:      %8.1f samples/s%n", operator);
        double operatorFlat = operatorJob(spec, head, texts, false);
        System.out.printf(
                "teacher operator in Flink, grouping off:     %8.1f samples/s%n", operatorFlat);
        double bareFlat = bareLoop(spec, head, texts, false);
        System.out.printf(
                "bare ONNX Runtime loop, length grouping off: %8.1f samples/s%n", bareFlat);
        System.out.printf(
                "operator / bare = %.3f (goal >= 0.9); length grouping speeds the operator up %.2fx.%n",
                operator / bare, operator / operatorFlat);

        ObjectNode report = JSON.createObjectNode();
        report.put("teacher", spec.name());
        report.put("threads", threads);
        report.put("batch", batch);
        report.put("attention_layers", attentionLayers);
        report.put("attention_heads", attentionHeads.label());
        report.put("samples", samples);
        report.put("warmup", warmup);
        report.put("bare_samples_per_s", round(bare));
        report.put("operator_samples_per_s", round(operator));
        report.put("ratio", round(operator / bare));
        report.put("operator_no_bucketing_samples_per_s", round(operatorFlat));
        report.put("bare_no_bucketing_samples_per_s", round(bareFlat));
        report.put("bucketing_speedup", round(operator / operatorFlat));
        report.put("bare_bucketing_speedup", round(bare / bareFlat));
        json.write(report);
        return 0;
    }

    private TeacherSettings settings(TeacherSpec spec, LinearHead head, boolean bucketing) {
        return new TeacherSettings(
                List.of(spec),
                java.util.Collections.singletonList(spec.hasOwnClassifier() ? null : head),
                TeacherSettings.Fusion.uniform(1),
                // A latency bound the bench never reaches: batches close by count, as under load.
                new TeacherSettings.Batching(batch, 60_000, bucketing),
                threads,
                64,
                "bench",
                new TeacherSettings.Attention(attentionLayers, attentionHeads.mode, 5, 2000));
    }

    /** The operator's work without Flink: tokenize, group by length, run, build the outputs. */
    private double bareLoop(
            TeacherSpec spec, LinearHead head, List<String> texts, boolean bucketing)
            throws Exception {
        TeacherSettings s = settings(spec, head, bucketing);
        int pool = bucketing ? batch * POOL_CHUNKS : batch;
        long checksum = 0;
        long start;
        long end;
        try (OnnxTeacher t =
                OnnxTeacher.openWithAttention(
                        spec,
                        s.heads().get(0),
                        64,
                        threads,
                        attentionLayers,
                        attentionHeads == Choices.AttentionHeads.GRAPH)) {
            checksum += run(t, texts.subList(0, warmup), pool, bucketing);
            start = System.nanoTime();
            checksum += run(t, texts.subList(warmup, texts.size()), pool, bucketing);
            end = System.nanoTime();
        }
        if (checksum != texts.size()) {
            throw new IllegalStateException("bare loop lost samples");
        }
        return samples / ((end - start) / 1e9);
    }

    private long run(OnnxTeacher t, List<String> texts, int pool, boolean bucketing) {
        long scored = 0;
        for (int from = 0; from < texts.size(); from += pool) {
            List<String> chunkTexts = texts.subList(from, Math.min(texts.size(), from + pool));
            List<int[]> tokens = new ArrayList<>();
            chunkTexts.forEach(x -> tokens.add(t.tokenize(x)));
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) {
                order.add(i);
            }
            if (bucketing) {
                order.sort(Comparator.comparingInt(i -> tokens.get(i).length));
            }
            for (int c = 0; c < order.size(); c += batch) {
                List<int[]> run = new ArrayList<>();
                order.subList(c, Math.min(order.size(), c + batch))
                        .forEach(i -> run.add(tokens.get(i)));
                scored += t.inferTokens(run).size();
            }
        }
        return scored;
    }

    private double operatorJob(
            TeacherSpec spec, LinearHead head, List<String> texts, boolean bucketing)
            throws Exception {
        List<TeacherInput> inputs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            TeacherInput in = new TeacherInput();
            in.id = Integer.toString(i);
            in.text = texts.get(i);
            in.topic = "bench";
            inputs.add(in);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
        Clock.reset(warmup, texts.size());
        env.fromData(inputs, TypeInformation.of(TeacherInput.class))
                .connect(DistillationJob.noCommands(env).broadcast())
                .transform(
                        "teacher",
                        TypeInformation.of(ScoredSample.class),
                        new TeacherOperator(settings(spec, head, bucketing)))
                .process(new Clock())
                .sinkTo(new DiscardingSink<>());
        env.execute("teacher-bench");
        if (Clock.SEEN.get() != texts.size()) {
            throw new IllegalStateException(
                    "operator job scored " + Clock.SEEN.get() + " of " + texts.size());
        }
        return samples / ((Clock.END.get() - Clock.START.get()) / 1e9);
    }

    /** Notes when the first measured sample and the last sample leave the teacher. */
    static final class Clock extends ProcessFunction<ScoredSample, Void> {
        private static final long serialVersionUID = 1L;
        static final AtomicLong SEEN = new AtomicLong();
        static final AtomicLong START = new AtomicLong();
        static final AtomicLong END = new AtomicLong();
        private static volatile int warmupCount;
        private static volatile int total;

        static void reset(int warmup, int all) {
            SEEN.set(0);
            START.set(System.nanoTime());
            END.set(0);
            warmupCount = warmup;
            total = all;
        }

        @Override
        public void processElement(ScoredSample s, Context ctx, Collector<Void> out) {
            long n = SEEN.incrementAndGet();
            if (n == warmupCount) {
                START.set(System.nanoTime());
            }
            if (n == total) {
                END.set(System.nanoTime());
            }
        }
    }

    static LinearHead randomHead(String name, int dim) {
        Random r = new Random(7);
        float[][] w = new float[2][dim];
        for (float[] row : w) {
            for (int d = 0; d < dim; d++) {
                row[d] = (float) r.nextGaussian();
            }
        }
        return new LinearHead(name, List.of("0", "1"), w, new float[2]);
    }

    /** SST-2 training sentences in a fixed shuffled order. */
    static List<String> sentences(int n) throws Exception {
        List<TsvRow> rows =
                new ArrayList<>(
                        io.flinkdistill.pipeline.replay.BundledData.read("sst2", "train.tsv")
                                .rows());
        java.util.Collections.shuffle(rows, new Random(11));
        List<String> out = new ArrayList<>();
        for (TsvRow row : rows.subList(0, Math.min(n, rows.size()))) {
            out.add(row.text());
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
