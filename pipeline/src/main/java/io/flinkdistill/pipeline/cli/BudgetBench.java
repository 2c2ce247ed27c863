package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
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
 * The demo protocol at a teacher budget, once per selection policy and once on the full stream,
 * each over the same seeds ({@code bench quality} underneath): the same teacher calls per policy,
 * so the accuracies compare what each policy chose.
 */
@Command(
        name = "budget",
        mixinStandardHelpOptions = true,
        description =
                "Runs the demo at a teacher budget with each selection policy, and on the full"
                        + " stream, over several seeds; prints and writes accuracy, agreement and"
                        + " teacher calls per policy. Other options go to every demo run.")
public final class BudgetBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Figures of the table, as {@code bench quality} names them. */
    private static final List<String> TABLE =
            List.of(
                    "validation.student_accuracy",
                    "test.student_accuracy",
                    "test.agreement",
                    "samples_trained",
                    "budget.samples_skipped");

    @Option(
            names = "--budget",
            defaultValue = "25%",
            description = "The teacher budget of the policy runs (default: ${DEFAULT-VALUE}).")
    String budget;

    @Option(
            names = "--policies",
            split = ",",
            defaultValue = "random,uncertainty,mix",
            description = "Selection policies to compare (default: ${DEFAULT-VALUE}).")
    List<Choices.Selection> policies;

    @Option(
            names = "--reference",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Also run the full stream (no budget) as the reference (default: on).")
    boolean reference;

    @Option(
            names = "--seeds",
            defaultValue = "3",
            description = "Runs per arm (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--first-seed",
            defaultValue = "1",
            description = "Seed of the first run of each arm (default: ${DEFAULT-VALUE}).")
    long firstSeed;

    @Option(
            names = "--out",
            defaultValue = "bench-budget",
            description = "One folder per arm under here (default: ${DEFAULT-VALUE}).")
    Path out;

    @picocli.CommandLine.Mixin JsonOutput json = new JsonOutput();

    @Unmatched List<String> demoOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        try {
            io.flinkdistill.selection.TeacherBudget.parse(budget);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--budget", e.getMessage());
        }
        JobOptions.atLeastOption("--seeds", seeds, 1);
        for (String o : demoOptions) {
            if (o.startsWith("--teacher-budget") || o.startsWith("--selection")) {
                throw new JobOptions.OptionException(
                        o.split("=")[0], "is set per arm by bench budget (--budget, --policies)");
            }
        }
        Map<String, List<String>> arms = new LinkedHashMap<>();
        for (Choices.Selection p : policies) {
            arms.put(p.label(), List.of("--teacher-budget", budget, "--selection", p.label()));
        }
        if (reference) {
            arms.put("full-stream", List.of());
        }
        Files.createDirectories(out);
        ObjectNode result = JSON.createObjectNode();
        result.put("budget", budget);
        result.put("seeds", seeds);
        result.put("first_seed", firstSeed);
        result.put("demo_options", String.join(" ", demoOptions));
        result.put("cpu", io.flinkdistill.serving.CpuFeatures.detect().describe());
        ObjectNode byArm = result.putObject("arms");
        for (Map.Entry<String, List<String>> arm : arms.entrySet()) {
            Path dir = out.resolve(arm.getKey());
            Path file = dir.resolve("bench-quality.json");
            List<String> args = new ArrayList<>(List.of("bench", "quality"));
            args.addAll(List.of("--seeds", Integer.toString(seeds)));
            args.addAll(List.of("--first-seed", Long.toString(firstSeed)));
            args.addAll(List.of("--out", dir.toString(), "--json", file.toString()));
            args.addAll(arm.getValue());
            args.addAll(demoOptions);
            System.out.printf("=== bench budget: %s ===%n", arm.getKey());
            int code = DistillCli.execute(args.toArray(String[]::new));
            if (code != 0) {
                throw new IllegalStateException(
                        "bench quality for " + arm.getKey() + " failed (exit " + code + ")");
            }
            byArm.set(arm.getKey(), JSON.readTree(file.toFile()));
        }
        System.out.printf(
                "%n%-14s %s%n",
                "arm",
                String.join(" ", TABLE.stream().map(t -> String.format("%-30s", t)).toList()));
        for (Map.Entry<String, JsonNode> arm : iterable(byArm)) {
            StringBuilder line = new StringBuilder(String.format("%-14s", arm.getKey()));
            for (String figure : TABLE) {
                JsonNode f = arm.getValue().at("/summary/" + figure.replace("/", "~1"));
                line.append(
                        f.isMissingNode()
                                ? String.format("%-31s", " n/a")
                                : String.format(
                                        Locale.ROOT,
                                        " %-30s",
                                        String.format(
                                                Locale.ROOT,
                                                "%.4f ± %.4f",
                                                f.get("mean").asDouble(),
                                                f.get("std").asDouble())));
            }
            System.out.println(line);
        }
        json.write(result);
        return 0;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(ObjectNode node) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        node.fields().forEachRemaining(entries::add);
        return entries;
    }
}
