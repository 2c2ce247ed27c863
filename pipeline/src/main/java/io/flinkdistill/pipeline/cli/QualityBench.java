package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code distill bench quality}: the demo protocol run with several seeds (each seed changes the
 * stream order, the validation split and the student's initial weights), and the mean and sample
 * standard deviation of every quality figure on validation and on test, with the runs themselves. A
 * difference between two settings smaller than these spreads is not a result.
 */
@Command(
        name = "quality",
        mixinStandardHelpOptions = true,
        description =
                "The demo with N seeds: mean and spread of teacher, student, INT8, baseline, gain and agreement on validation and test.")
public final class QualityBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Figures aggregated over seeds: name in the summary, path in report.json. */
    private static final Map<String, String> FIGURES = figures();

    @Option(
            names = "--seeds",
            defaultValue = "3",
            description = "Runs (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--first-seed",
            defaultValue = "1",
            description = "Seed of the first run; the others follow (default: ${DEFAULT-VALUE}).")
    long firstSeed;

    @Option(
            names = "--out",
            defaultValue = "bench-quality",
            description = "One demo output folder per seed under here (default: ${DEFAULT-VALUE}).")
    Path out;

    @picocli.CommandLine.Mixin JsonOutput json = new JsonOutput();

    @Unmatched List<String> demoOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        JobOptions.atLeastOption("--seeds", seeds, 1);
        for (String o : demoOptions) {
            String name = o.split("=")[0];
            if (name.equals("--seed") || name.equals("--out")) {
                throw new JobOptions.OptionException(
                        name, "is set per run by bench quality (--first-seed, --out)");
            }
        }
        ArrayNode runs = JSON.createArrayNode();
        Map<String, List<Double>> values = new LinkedHashMap<>();
        for (int i = 0; i < seeds; i++) {
            long seed = firstSeed + i;
            Path dir = out.resolve("seed-" + seed);
            List<String> args = new ArrayList<>(List.of("demo", "--seed", Long.toString(seed)));
            args.addAll(List.of("--out", dir.toString()));
            args.addAll(demoOptions);
            System.out.printf("=== bench quality: run %d of %d, seed %d ===%n", i + 1, seeds, seed);
            int code = DistillCli.execute(args.toArray(String[]::new));
            if (code != 0) {
                throw new IllegalStateException(
                        "the demo with seed " + seed + " failed (exit " + code + ")");
            }
            JsonNode report = JSON.readTree(dir.resolve("report.json").toFile());
            ObjectNode run = runs.addObject();
            run.put("seed", seed);
            for (Map.Entry<String, String> f : FIGURES.entrySet()) {
                JsonNode v = report.at(f.getValue());
                if (v.isNumber()) {
                    run.put(f.getKey(), v.asDouble());
                    values.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(v.asDouble());
                }
            }
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("seeds", seeds);
        result.put("first_seed", firstSeed);
        result.put("demo_options", String.join(" ", demoOptions));
        result.put("cpu", io.flinkdistill.serving.CpuFeatures.detect().describe());
        ObjectNode summary = result.putObject("summary");
        System.out.printf(
                "%n%-32s %8s %8s %8s %8s   (%d seeds from %d)%n",
                "figure", "mean", "std", "min", "max", seeds, firstSeed);
        for (Map.Entry<String, List<Double>> e : values.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
            double mean = 0;
            for (double x : v) {
                mean += x / v.length;
            }
            double var = 0;
            for (double x : v) {
                var += v.length > 1 ? (x - mean) * (x - mean) / (v.length - 1) : 0;
            }
            double min = java.util.Arrays.stream(v).min().orElse(Double.NaN);
            double max = java.util.Arrays.stream(v).max().orElse(Double.NaN);
            ObjectNode s = summary.putObject(e.getKey());
            s.put("mean", round(mean));
            s.put("std", round(Math.sqrt(var)));
            s.put("min", round(min));
            s.put("max", round(max));
            s.put("n", v.length);
            System.out.printf(
                    Locale.ROOT,
                    "%-32s %8.4f %8.4f %8.4f %8.4f%n",
                    e.getKey(),
                    mean,
                    Math.sqrt(var),
                    min,
                    max);
        }
        result.set("runs", runs);
        json.write(result);
        return 0;
    }

    private static Map<String, String> figures() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("test.teacher_accuracy", "/teacher/accuracy");
        f.put("test.student_accuracy", "/student/accuracy");
        f.put("test.student_int8_accuracy", "/student/int8_accuracy");
        f.put("test.baseline_accuracy", "/baseline/accuracy");
        f.put("test.distillation_gain", "/distillation_gain");
        f.put("test.agreement", "/agreement");
        f.put("test.accuracy_retained", "/accuracy_retained");
        f.put("validation.teacher_accuracy", "/validation/teacher_accuracy");
        f.put("validation.student_accuracy", "/validation/student_accuracy");
        f.put("validation.baseline_accuracy", "/validation/baseline_accuracy");
        f.put("validation.distillation_gain", "/validation/distillation_gain");
        f.put("validation.agreement", "/validation/agreement");
        f.put("validation.accuracy_retained", "/validation/accuracy_retained");
        f.put("baseline.steps", "/baseline/steps");
        f.put("baseline.epochs", "/baseline/best_epoch");
        f.put("baseline.learning_rate", "/baseline/learning_rate");
        f.put("student.steps", "/training_steps");
        f.put("labels.fraction_of_rows", "/labels/fraction_of_rows");
        f.put("samples_trained", "/samples_trained");
        f.put("augmentation.samples_augmented", "/augmentation/samples_augmented");
        f.put("budget.samples_skipped", "/teacher_budget/samples_skipped");
        f.put("budget.teacher_share_of_training", "/teacher_budget/teacher_share_of_training");
        f.put("test.student_unpruned_onnx_accuracy", "/student/unpruned_onnx_accuracy");
        f.put("test.student_published_onnx_accuracy", "/student/onnx_accuracy");
        f.put("student.prune_threshold", "/student/prune_threshold");
        // The cascade at a 0.97 agreement target, picked on the published curve, read on test.
        f.put("cascade.t97.threshold", "/cascade/targets/1/threshold");
        f.put("cascade.t97.window_deferred", "/cascade/targets/1/window_deferred");
        f.put("cascade.t97.test_deferred", "/cascade/targets/1/test_deferred");
        f.put("cascade.t97.test_agreement", "/cascade/targets/1/test_agreement");
        f.put("cascade.t97.test_accuracy", "/cascade/targets/1/test_accuracy");
        // The same target picked on the validation set's published curve (--validation-benchmark).
        f.put("cascade.validation.t97.threshold", "/cascade/validation_targets/1/threshold");
        f.put(
                "cascade.validation.t97.curve_deferred",
                "/cascade/validation_targets/1/window_deferred");
        f.put(
                "cascade.validation.t97.test_deferred",
                "/cascade/validation_targets/1/test_deferred");
        f.put(
                "cascade.validation.t97.test_agreement",
                "/cascade/validation_targets/1/test_agreement");
        f.put(
                "cascade.validation.t97.test_accuracy",
                "/cascade/validation_targets/1/test_accuracy");
        // The same, taking the validation curve as measured (no lower bound), for comparison.
        f.put(
                "cascade.validation_as_measured.t97.threshold",
                "/cascade/validation_targets_as_measured/1/threshold");
        f.put(
                "cascade.validation_as_measured.t97.test_deferred",
                "/cascade/validation_targets_as_measured/1/test_deferred");
        f.put(
                "cascade.validation_as_measured.t97.test_agreement",
                "/cascade/validation_targets_as_measured/1/test_agreement");
        // By input length in words (where the student parts from the teacher).
        for (String range : LengthBreakdown.labels()) {
            for (String k : List.of("teacher_accuracy", "student_accuracy", "agreement")) {
                f.put("test.by_length." + range + "." + k, "/by_length/" + range + "/" + k);
                f.put(
                        "validation.by_length." + range + "." + k,
                        "/validation/by_length/" + range + "/" + k);
            }
        }
        // --out-of-domain-test: the same student on another domain's test file.
        for (String k :
                List.of("teacher_accuracy", "student_accuracy", "baseline_accuracy", "agreement")) {
            f.put("out_of_domain." + k, "/out_of_domain/" + k);
        }
        // Drift events on a stationary run are false alarms.
        f.put("student.drift_events", "/student/drift_events");
        // The drift scenario (--scenario drift, bundled domains).
        f.put("drift.input.alarms_before_shift", "/drift/detectors/input/alarms_before_shift");
        f.put("drift.input.delay_samples", "/drift/detectors/input/delay_samples");
        f.put(
                "drift.agreement.alarms_before_shift",
                "/drift/detectors/agreement/alarms_before_shift");
        f.put("drift.agreement.delay_samples", "/drift/detectors/agreement/delay_samples");
        f.put("drift.samples_to_recover", "/drift/samples_to_recover");
        for (String set : List.of("yelp", "sst2")) {
            for (String k :
                    List.of("student_at_shift", "student_at_end", "frozen_at_end", "teacher")) {
                f.put("drift." + set + "." + k, "/drift/benchmarks/" + set + "/" + k);
            }
        }
        f.put("drift.sst2.change_since_shift", "/drift/benchmarks/sst2/change_since_shift");
        f.put("drift.yelp.gain_over_frozen", "/drift/benchmarks/yelp/gain_over_frozen");
        return f;
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
