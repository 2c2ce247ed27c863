package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.loss.Logits;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.serving.OnnxStudent;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.ModelSource;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherSpec;
import io.flinkdistill.training.StudentFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distill bench serve}: the teacher against the exported student in fp32 and INT8, all on
 * ONNX Runtime with the same threads, in the same run: latency of one query (tokenizing included)
 * at p50 and p99, throughput in batches of 32, file sizes, and accuracy on the SST-2 test file.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Teacher vs exported student (fp32, INT8): latency, throughput, size, accuracy.")
public final class ServeBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin StudentFileOption studentFile;

    @Option(
            names = "--teacher-head",
            description =
                    "The teacher's head; fitted on 4000 rows of the bundled SST-2 train file when absent.")
    Path teacherHead;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description = "ONNX Runtime threads for every model (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--queries",
            defaultValue = "400",
            description = "Single-sentence queries timed per model (default: ${DEFAULT-VALUE}).")
    int queries;

    @Option(
            names = "--prune-threshold",
            defaultValue = "0.05",
            description =
                    "Also measure the INT8 student with FFN neurons of mean |incoming weight| below this removed (default: ${DEFAULT-VALUE}).")
    double pruneThreshold;

    @picocli.CommandLine.Mixin JsonOutput json = new JsonOutput();

    @Override
    public Integer call() throws Exception {
        JobOptions.atLeastOption("--threads", threads, 1);
        JobOptions.atLeastOption("--queries", queries, 20);
        if (!Files.isReadable(studentFile.path)) {
            throw new JobOptions.OptionException(
                    "--student",
                    "file "
                            + studentFile.path
                            + " does not exist; train one with './distill demo' first");
        }
        StudentFile.Loaded saved = StudentFile.read(studentFile.path);
        String teacherName =
                saved.provenance()
                        .teacherModel()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                studentFile.path
                                                        + " records no teacher; bench serve"
                                                        + " needs a student trained by this"
                                                        + " version's demo or run"));
        TeacherSpec spec = TeacherSpec.parse(teacherName);
        List<TsvRow> test =
                io.flinkdistill.pipeline.replay.BundledData.read("sst2", "test.tsv").rows();
        List<String> texts = test.stream().map(TsvRow::text).toList();

        LinearHead head;
        if (teacherHead != null) {
            head = LinearHead.load(teacherHead);
        } else {
            List<TsvRow> train =
                    new ArrayList<>(
                            io.flinkdistill.pipeline.replay.BundledData.read("sst2", "train.tsv")
                                    .rows());
            Collections.shuffle(train, new Random(42));
            head = HeadTraining.fit(spec, train.subList(0, 4000), List.of("0", "1"), 64, 2);
        }
        List<String> classes = head.classes;
        int[] gold = test.stream().mapToInt(r -> classes.indexOf(r.label())).toArray();

        byte[] fp32 =
                StudentExporter.export(
                        saved.config(),
                        saved.weights(),
                        saved.provenance(),
                        StudentOnnxExport.Precision.FP32);
        byte[] int8 =
                StudentExporter.export(
                        saved.config(),
                        saved.weights(),
                        saved.provenance(),
                        StudentOnnxExport.Precision.INT8);
        long teacherBytes = ModelSource.read(spec.model()).length;

        ObjectNode report = JSON.createObjectNode();
        io.flinkdistill.serving.CpuFeatures cpu = io.flinkdistill.serving.CpuFeatures.detect();
        report.put("cpu", cpu.model());
        report.put("int8_kernel", cpu.int8Kernel());
        report.put("int8_int16_pair_sums", cpu.saturatingInt16Pairs());
        report.put("threads", threads);
        report.put("queries", queries);
        report.put("test_size", texts.size());
        Figures t;
        try (OnnxTeacher teacher =
                OnnxTeacher.open(spec, head, saved.config().maxTokens(), threads)) {
            t =
                    measure(
                            batch ->
                                    teacher.infer(batch).stream()
                                            .map(o -> Logits.argmax(o.logits()))
                                            .toList(),
                            texts,
                            gold);
        }
        Figures s;
        int[] fp32Pred;
        try (OnnxStudent st = OnnxStudent.open(fp32, threads)) {
            s = measure(batch -> Measure.argmax(st.predict(batch)), texts, gold);
            fp32Pred =
                    Measure.argmax(st.predict(texts)).stream()
                            .mapToInt(Integer::intValue)
                            .toArray();
        }
        Figures q;
        int agree = 0;
        try (OnnxStudent st = OnnxStudent.open(int8, threads)) {
            q = measure(batch -> Measure.argmax(st.predict(batch)), texts, gold);
            List<Integer> p = Measure.argmax(st.predict(texts));
            for (int i = 0; i < p.size(); i++) {
                agree += p.get(i) == fp32Pred[i] ? 1 : 0;
            }
        }
        io.flinkdistill.export.FfnPruning.Result pr =
                io.flinkdistill.export.FfnPruning.prune(
                        saved.config(), saved.weights(), pruneThreshold);
        byte[] pruned =
                StudentExporter.export(
                        saved.config(),
                        pr.weights(),
                        saved.provenance(),
                        StudentOnnxExport.Precision.INT8);
        Figures pq;
        try (OnnxStudent st = OnnxStudent.open(pruned, threads)) {
            pq = measure(batch -> Measure.argmax(st.predict(batch)), texts, gold);
        }
        put(report, "student_int8_pruned", pq);
        report.put("prune_threshold", pruneThreshold);
        report.put("ffn_neurons_removed", pr.removed());
        report.put("ffn_neurons_total", saved.config().ffn() * saved.config().layers());
        report.put("student_int8_pruned_bytes", pruned.length);
        put(report, "teacher", t);
        put(report, "student", s);
        put(report, "student_int8", q);
        report.put("teacher_bytes", teacherBytes);
        report.put("student_bytes", fp32.length);
        report.put("student_int8_bytes", int8.length);
        java.util.OptionalLong params = saved.provenance().teacherParameters();
        report.put("teacher_params", params.isPresent() ? Long.toString(params.getAsLong()) : "?");
        report.put("speedup_b1", round(t.p50 / s.p50));
        report.put("speedup_b1_int8", round(t.p50 / q.p50));
        report.put("speedup_b32", round(s.throughput / t.throughput));
        report.put("int8_vs_fp32_b1", round(s.p50 / q.p50));
        report.put("int8_vs_fp32_b32", round(q.throughput / s.throughput));
        report.put("size_ratio", round(int8.length / (double) teacherBytes));
        report.put("size_ratio_fp32", round(fp32.length / (double) teacherBytes));
        report.put("int8_agreement_with_fp32", round(agree / (double) texts.size()));
        report.put("accuracy_gap_points", round(100 * (t.accuracy - s.accuracy)));
        System.out.println("CPU: " + cpu.describe());
        System.out.printf(
                "%-14s %9s %9s %12s %10s %9s%n",
                "model", "p50 ms", "p99 ms", "b32 samples/s", "MB", "accuracy");
        row("teacher", t, teacherBytes);
        row("student fp32", s, fp32.length);
        row("student int8", q, int8.length);
        row("int8 pruned", pq, pruned.length);
        System.out.printf(
                "Pruning at %.3f removed %d of %d FFN neurons.%n",
                pruneThreshold, pr.removed(), saved.config().ffn() * saved.config().layers());
        System.out.printf(
                "Batch-1 speed-up: %.1fx (fp32), %.1fx (int8); int8 vs fp32: %.2fx at batch 1, %.2fx at batch 32; size: %.3f of the teacher (int8), %.3f (fp32); int8 agrees with fp32 on %.1f %%.%n",
                t.p50 / s.p50,
                t.p50 / q.p50,
                s.p50 / q.p50,
                q.throughput / s.throughput,
                int8.length / (double) teacherBytes,
                fp32.length / (double) teacherBytes,
                100.0 * agree / texts.size());
        json.write(report);
        return 0;
    }

    private record Figures(double p50, double p99, double throughput, double accuracy) {}

    private Figures measure(
            Function<List<String>, List<Integer>> model, List<String> texts, int[] gold) {
        // Warm-up, then one query at a time, then batches of 32 over the whole file.
        for (int i = 0; i < 30; i++) {
            model.apply(List.of(texts.get(i)));
        }
        double[] ms = new double[queries];
        for (int i = 0; i < queries; i++) {
            String text = texts.get(i % texts.size());
            long t0 = System.nanoTime();
            model.apply(List.of(text));
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        List<Integer> predicted = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int start = 0; start < texts.size(); start += 32) {
            predicted.addAll(model.apply(texts.subList(start, Math.min(texts.size(), start + 32))));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            correct += predicted.get(i) == gold[i] ? 1 : 0;
        }
        return new Figures(
                ms[queries / 2],
                ms[Math.min(queries - 1, (int) Math.ceil(queries * 0.99) - 1)],
                texts.size() / seconds,
                correct / (double) gold.length);
    }

    /** Median latency of single-sentence queries after a short warm-up, in milliseconds. */
    private static void put(ObjectNode report, String prefix, Figures f) {
        report.put(prefix + "_p50_ms", round(f.p50));
        report.put(prefix + "_p99_ms", round(f.p99));
        report.put(prefix + "_b32_samples_per_s", round(f.throughput));
        report.put(prefix + "_accuracy", round(f.accuracy));
    }

    private static void row(String name, Figures f, long bytes) {
        System.out.printf(
                "%-14s %9.2f %9.2f %12.0f %10.2f %8.1f %%%n",
                name, f.p50, f.p99, f.throughput, bytes / 1e6, 100 * f.accuracy);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
