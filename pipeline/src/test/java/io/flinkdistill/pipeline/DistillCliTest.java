package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinkdistill.pipeline.cli.DistillCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad options fail before anything starts, with a message that names the option. */
class DistillCliTest {

    @Test
    void shouldNameAnUnknownTeacherAndListTheShippedOnes() {
        Result r = run("demo", "--teacher", "gpt-5");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains("--teacher")
                .contains("e5-small-v2-q")
                .contains("all-minilm-l6-v2");
    }

    @Test
    void shouldNameAnOutOfRangeNumber() {
        Result r = run("demo", "--eval-fraction", "1.5");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("--eval-fraction").contains("(0, 1)");
    }

    @Test
    void shouldRequireBrokersForTheLiveJob() {
        Result r = run("run");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("--bootstrap-servers");
        for (String command : List.of("serve", "produce")) {
            Result c =
                    command.equals("produce")
                            ? run(command, "--data", "no-such.tsv")
                            : run(command);
            assertThat(c.code).as(command).isEqualTo(2);
            assertThat(c.err).as(command).contains("Invalid option --bootstrap-servers");
        }
    }

    @Test
    void shouldNameTheInputOptionThatIsWrong() {
        Result format = run("demo", "--input-format", "xml");
        assertThat(format.code).isEqualTo(2);
        assertThat(format.err)
                .contains("--input-format")
                .contains("allowed: avro-training-sample, json, text, avro-registry");
        Result path = run("demo", "--input-format", "json", "--text-field", "review..body");
        assertThat(path.code).isEqualTo(2);
        assertThat(path.err).contains("--text-field").contains("empty part");
        Result registry = run("demo", "--input-format", "avro-registry");
        assertThat(registry.code).isEqualTo(2);
        assertThat(registry.err)
                .contains("--schema-registry-url")
                .contains("required by the avro-registry input format");
        Result unknownTopic =
                run("demo", "--samples-topic", "a,b", "--topic-input", "c:format=text");
        assertThat(unknownTopic.code).isEqualTo(2);
        assertThat(unknownTopic.err)
                .contains("--topic-input")
                .contains("topic 'c' is not one of --samples-topic [a, b]");
        Result key = run("demo", "--samples-topic", "a", "--topic-input", "a:colour=red");
        assertThat(key.code).isEqualTo(2);
        assertThat(key.err).contains("--topic-input").contains("unknown key 'colour'");
    }

    @Test
    void shouldNameTheRegistryOptionWhenNoRegistryAnswersAtStartUp(@TempDir Path dir) {
        Result r =
                run(
                        "run",
                        "--bootstrap-servers",
                        "127.0.0.1:9",
                        "--checkpoint-dir",
                        dir.toUri().toString(),
                        "--input-format",
                        "avro-registry",
                        "--schema-registry-url",
                        "http://127.0.0.1:9");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains("Invalid option --schema-registry-url")
                .contains("no schema registry answers at http://127.0.0.1:9");
    }

    @Test
    void shouldNameAnUnknownKeyOfATeacherSpec() {
        Result r = run("demo", "--teacher", "model=m.onnx,tokenizer=t.json,colour=red");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains(
                        "Invalid option --teacher: unknown key 'colour'; keys are name, model,"
                                + " tokenizer, input-ids, attention-mask, token-type-ids, output,"
                                + " logits, classes, pooling, prefix, attention");
    }

    @Test
    void shouldAskForOneFusionWeightPerTeacher() {
        Result r =
                run(
                        "demo",
                        "--teacher",
                        "e5-small-v2-q",
                        "--teacher",
                        "bge-small-en-v1.5-q",
                        "--teacher-weights",
                        "1");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains(
                        "Invalid option --teacher-weights: needs one weight per --teacher (2),"
                                + " got 1 in '1'");
    }

    @Test
    void shouldListTheAttentionHeadModes() {
        Result r = run("demo", "--attention-heads", "some");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains(
                        "Invalid value for option '--attention-heads': 'some'; allowed: all, graph,"
                                + " top-high, top-low");
        Result bench = run("bench", "teacher", "--attention-heads", "top-high");
        assertThat(bench.code).isEqualTo(2);
        assertThat(bench.err)
                .contains(
                        "Invalid option --attention-heads: must be 'all' or 'graph' (the bench times"
                                + " the teacher alone), got 'top-high'");
        assertThat(run("bench", "teacher", "--attention-heads", "some").err)
                .contains("Invalid value for option '--attention-heads': 'some'; allowed: all");
        Result longText = run("demo", "--long-text", "cut");
        assertThat(longText.code).isEqualTo(2);
        assertThat(longText.err)
                .contains(
                        "Invalid value for option '--long-text': 'cut'; allowed: truncate,"
                                + " dead-letter");
    }

    @Test
    void shouldListTheModelInputsWhenATeacherInputNameIsWrong(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.tsv");
        java.nio.file.Files.writeString(data, "sentence\tlabel\n" + "good\t1\nbad\t0\n".repeat(10));
        Result r =
                run(
                        "fit-head",
                        "--data",
                        data.toString(),
                        "--out",
                        dir.resolve("h.json").toString(),
                        "--teacher",
                        "name=mini,model=classpath:/all-minilm-l6-v2-q.onnx,"
                                + "tokenizer=classpath:/all-minilm-l6-v2-q-tokenizer.json,"
                                + "input-ids=ids");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains(
                        "Invalid option --teacher: teacher 'mini': input-ids=ids is not an input of"
                                + " the model; its inputs are: input_ids int64[-1, -1],"
                                + " attention_mask int64[-1, -1], token_type_ids int64[-1, -1]");
    }

    @Test
    void shouldRefuseACheckpointDirThatCannotBeWrittenBeforeStarting(@TempDir Path dir)
            throws Exception {
        // A folder under a plain file cannot be created, not even by root.
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
        Result r =
                run(
                        "run",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--checkpoint-dir",
                        file.resolve("checkpoints").toString());
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains("Invalid option --checkpoint-dir: cannot write checkpoints to")
                .contains("a-file/checkpoints");
    }

    @Test
    void shouldParseFlinkSettingsWithTheirTypesAndRefuseUnknownKeys(@TempDir Path dir) {
        String cp = dir.resolve("cp").toString();
        Result badValue =
                run(
                        "run",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--checkpoint-dir",
                        cp,
                        "--flink-conf",
                        "execution.checkpointing.timeout=soon");
        assertThat(badValue.code).isEqualTo(2);
        assertThat(badValue.err)
                .contains("Invalid option --flink-conf: execution.checkpointing.timeout=soon");
        Result typo =
                run(
                        "run",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--checkpoint-dir",
                        cp,
                        "--flink-conf",
                        "execution.checkpointing.timout=1 min");
        assertThat(typo.code).isEqualTo(2);
        assertThat(typo.err).contains("'execution.checkpointing.timout' is not a Flink option");
        Result both =
                run(
                        "run",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--checkpoint-dir",
                        cp,
                        "--flink-conf",
                        "execution.checkpointing.dir=file:///elsewhere");
        assertThat(both.code).isEqualTo(2);
        assertThat(both.err).contains("--checkpoint-dir").contains("given twice");
        // A valid setting passes the option checks and fails only at the unreachable broker.
        Result good =
                run(
                        "run",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--kafka-timeout-seconds",
                        "1",
                        "--checkpoint-dir",
                        cp,
                        "--flink-conf",
                        "execution.checkpointing.timeout=5 min",
                        "--flink-conf",
                        "metrics.reporter.prom.factory.class=org.example.Any");
        assertThat(good.code).isEqualTo(2);
        assertThat(good.err).contains("--bootstrap-servers").doesNotContain("--flink-conf");
    }

    @Test
    void shouldRefuseASoakShorterThanItsWarmUp() {
        Result r = run("soak", "--minutes", "2", "--warmup-minutes", "3");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains(
                        "Invalid option --minutes: must be > 0 and more than --warmup-minutes, got 2.0");
    }

    @Test
    void shouldExplainAHiddenSizeThatHeadsCannotSplit() {
        Result r = run("demo", "--student-hidden", "130", "--student-heads", "4");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("--student-hidden").contains("multiple of --student-heads");
    }

    @Test
    void shouldRefuseAnAttentionTermForACnnStudentAndAnEvenKernel() {
        Result gamma = run("demo", "--student-family", "cnn", "--gamma", "0.2");
        assertThat(gamma.code).isEqualTo(2);
        assertThat(gamma.err).contains("--gamma").contains("no attention maps");
        Result kernel = run("demo", "--student-family", "cnn", "--student-kernel", "4");
        assertThat(kernel.code).isEqualTo(2);
        assertThat(kernel.err).contains("--student-kernel").contains("odd");
        Result family = run("demo", "--student-family", "lstm");
        assertThat(family.code).isEqualTo(2);
        assertThat(family.err).contains("--student-family").contains("transformer, cnn, bert");
    }

    @Test
    void shouldRefusePretrainedLayersTheStudentCannotTake() {
        assertThat(refusal("demo", "--student-pretrained", "all-minilm-l6-v2"))
                .contains("Invalid option --student-pretrained")
                .contains("add --student-family bert");
        assertThat(refusal(bertFromMiniLm()))
                .contains("Invalid option --student-pretrained")
                .contains("hidden size (128) does not fit all-minilm-l6-v2 (384)");
        assertThat(
                        refusal(
                                bertFromMiniLm(
                                        "--student-hidden",
                                        "384",
                                        "--student-heads",
                                        "12",
                                        "--student-layers",
                                        "7")))
                .contains("layer count (7) does not fit all-minilm-l6-v2 (6)");
        assertThat(
                        refusal(
                                bertFromMiniLm(
                                        "--student-hidden",
                                        "384",
                                        "--student-heads",
                                        "12",
                                        "--student-layers",
                                        "1",
                                        "--student-setting",
                                        "student:student-hidden=192")))
                .contains("hidden size (192) does not fit all-minilm-l6-v2 (384)");
        assertThat(
                        refusal(
                                "demo",
                                "--student-family",
                                "bert",
                                "--student-pretrained",
                                "no-such-model.onnx"))
                .contains("Invalid option --student-pretrained: cannot read no-such-model.onnx");
    }

    /** {@code demo} with a bert student from the shipped MiniLM and these options. */
    private static String[] bertFromMiniLm(String... options) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "demo",
                                "--student-family",
                                "bert",
                                "--student-pretrained",
                                "all-minilm-l6-v2"));
        args.addAll(List.of(options));
        return args.toArray(String[]::new);
    }

    @Test
    void shouldNameTheSoftLossChoicesOnAnUnknownOne() {
        assertThat(refusal("demo", "--soft-loss", "hinge"))
                .contains("--soft-loss")
                .contains("kl, mse");
    }

    @Test
    void shouldRefuseALengthWeightingOutOfRange() {
        assertThat(refusal("demo", "--length-weighting", "3"))
                .contains("Invalid option --length-weighting: must be in [0, 2], got 3.0");
    }

    @Test
    void shouldLeaveTheSeedAndOutputToBenchQualityButPassOtherOptionsOn() {
        assertThat(refusal("bench", "quality", "--seed", "4"))
                .contains("Invalid option --seed: is set per run by bench quality");
        assertThat(refusal("bench", "quality", "--seed=4"))
                .contains("Invalid option --seed: is set per run by bench quality");
        // An option that only starts like them reaches the demo, which judges it.
        assertThat(refusal("bench", "quality", "--out-of-domain-test", "no-such-file.tsv"))
                .contains("Invalid option --out-of-domain-test: must be 'yelp' or a readable file");
    }

    @Test
    void shouldRefuseAnOutOfDomainTestThatIsNeitherYelpNorAFile() {
        assertThat(refusal("demo", "--out-of-domain-test", "no-such-file.tsv"))
                .contains("Invalid option --out-of-domain-test: must be 'yelp' or a readable file");
    }

    @Test
    void shouldRefuseAReplayRatioOutOfRangeInEveryScenario() {
        for (String scenario : List.of("default", "drift")) {
            Result r = run("demo", "--scenario", scenario, "--replay-ratio", "-1");
            assertThat(r.code).as(scenario).isEqualTo(2);
            assertThat(r.err)
                    .as(scenario)
                    .contains("Invalid option --replay-ratio: must be in [0, 16]");
        }
    }

    @Test
    void shouldWriteTheTrainerBenchmarkFigures(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        assertThat(
                        DistillCli.execute(
                                "bench",
                                "trainer",
                                "--steps",
                                "10",
                                "--batch-size",
                                "8",
                                "--json",
                                json.toString()))
                .isZero();
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("students")).hasSize(3);
        for (JsonNode row : report.get("students")) {
            assertThat(row.get("samples_per_second").asDouble()).isPositive();
            assertThat(row.get("checkpoint_bytes").asLong())
                    .isGreaterThan(4L * row.get("params").asLong());
            assertThat(row.has("forward_ms") && row.has("backward_ms") && row.has("optimizer_ms"))
                    .isTrue();
        }
        assertThat(report.get("speedup_vs_baseline").asDouble()).isPositive();
        assertThat(report.get("cnn_speed_vs_default").asDouble()).isPositive();
    }

    @Test
    void shouldWriteTheTeacherBenchmarkFigures(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("teacher.json");
        assertThat(
                        DistillCli.execute(
                                "bench",
                                "teacher",
                                "--teacher",
                                "all-minilm-l6-v2-q",
                                "--samples",
                                "64",
                                "--warmup",
                                "32",
                                "--json",
                                json.toString()))
                .isZero();
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        for (String field :
                new String[] {
                    "bare_samples_per_s", "operator_samples_per_s", "ratio", "bucketing_speedup"
                }) {
            assertThat(report.get(field).asDouble()).as(field).isPositive();
        }
        assertThat(report.get("ratio").asDouble())
                .isCloseTo(
                        report.get("operator_samples_per_s").asDouble()
                                / report.get("bare_samples_per_s").asDouble(),
                        org.assertj.core.api.Assertions.within(0.01));
    }

    @Test
    void shouldLabelStdinLinesWithAnExportedStudentAndRefuseAWrongSha(@TempDir Path dir)
            throws Exception {
        io.flinkdistill.student.StudentConfig c =
                new io.flinkdistill.student.StudentConfig(
                        30522, 8, 16, 1, 2, 32, 64, 2, 16, 0.1f, 3);
        byte[] onnx;
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch");
                io.flinkdistill.student.StudentModel s =
                        io.flinkdistill.student.StudentModel.create(c, m)) {
            onnx =
                    io.flinkdistill.export.StudentExporter.export(
                            c,
                            s.exportWeights(),
                            io.flinkdistill.testing.ShippedTeacher.withClasses(
                                    java.util.List.of("negative", "positive")),
                            io.flinkdistill.export.StudentOnnxExport.Precision.INT8);
        }
        Path model = dir.resolve("student.onnx");
        java.nio.file.Files.write(model, onnx);
        java.io.InputStream savedIn = System.in;
        PrintStream savedOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setIn(
                    new java.io.ByteArrayInputStream(
                            "a fine film\n\nutterly dull\n"
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true));
            assertThat(DistillCli.execute("predict", "--model", model.toString())).isZero();
        } finally {
            System.setIn(savedIn);
            System.setOut(savedOut);
        }
        String[] lines = out.toString().trim().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines)
                .allSatisfy(
                        l ->
                                assertThat(l)
                                        .matches(
                                                "(negative|positive)\tnegative=0\\.\\d{4} positive=0\\.\\d{4}"));
        Result r = run("predict", "--model", model.toString(), "--sha256", "00");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("Invalid option --sha256: the model's SHA-256 is ");
    }

    @Test
    void shouldWriteTheServingBenchmarkFigures(@TempDir Path dir) throws Exception {
        // A small (untrained) student file and a random head: this checks the command, not quality.
        io.flinkdistill.student.StudentConfig c =
                new io.flinkdistill.student.StudentConfig(
                        30522, 8, 16, 1, 2, 32, 64, 2, 384, 0.1f, 3);
        Path student = dir.resolve("s.student");
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch");
                io.flinkdistill.student.StudentModel s =
                        io.flinkdistill.student.StudentModel.create(c, m)) {
            io.flinkdistill.training.StudentFile.write(
                    student,
                    c,
                    s.exportWeights(),
                    0,
                    0,
                    io.flinkdistill.testing.ShippedTeacher.withClasses(
                            java.util.List.of("0", "1")));
        }
        float[][] w = new float[2][384];
        w[0][0] = 1f;
        Path head = dir.resolve("head.json");
        new io.flinkdistill.teacher.LinearHead(
                        "e5-small-v2-q", java.util.List.of("0", "1"), w, new float[2])
                .save(head);
        Path json = dir.resolve("serve.json");
        assertThat(
                        DistillCli.execute(
                                "bench",
                                "serve",
                                "--student",
                                student.toString(),
                                "--teacher-head",
                                head.toString(),
                                "--queries",
                                "20",
                                "--json",
                                json.toString()))
                .isZero();
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        for (String field :
                new String[] {
                    "teacher_p50_ms",
                    "student_p50_ms",
                    "student_int8_p50_ms",
                    "speedup_b1",
                    "size_ratio"
                }) {
            assertThat(r.get(field).asDouble()).as(field).isPositive();
        }
        assertThat(r.get("student_int8_bytes").asLong())
                .isLessThan(r.get("student_bytes").asLong());
    }

    @Test
    void fitHeadShouldNameMalformedLinesAndRefuseAClassWithTooFewRows(@TempDir Path dir)
            throws Exception {
        Path messy = dir.resolve("messy.tsv");
        Files.writeString(messy, "good\t1\nbad\tlabel\textra\n\t1\nno label here\nfine\t0\n");
        Result r =
                run(
                        "fit-head",
                        "--data",
                        messy.toString(),
                        "--out",
                        dir.resolve("h.json").toString());
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err)
                .contains("skipped 2 malformed lines of " + messy)
                .contains("line 2: 3 columns (text<TAB>label expected")
                .contains("line 3: empty text")
                .contains("1 row of " + messy + " without a label")
                .contains(
                        "Invalid option --data: class '0' has 1 labelled row; a head needs at least 5 per class");
        assertThat(r.err).doesNotContain("extra");
        assertThat(Files.exists(dir.resolve("h.json"))).isFalse();
    }

    @Test
    void steeringOptionsShouldBeCheckedAtStartUp() throws Exception {
        Result policy = run("run", "--bootstrap-servers", "127.0.0.1:1", "--loss-policy", "adam");
        assertThat(policy.code).isEqualTo(2);
        assertThat(policy.err)
                .contains(
                        "Invalid value for option '--loss-policy': 'adam'; allowed: fixed, dwa,"
                                + " eval-guided");
        assertThat(run("demo", "--schedule", "linear").err)
                .contains(
                        "Invalid value for option '--schedule': 'linear'; allowed: cosine,"
                                + " progressive");
        assertThat(run("serve", "--bootstrap-servers", "127.0.0.1:1", "--format", "onnx").err)
                .contains(
                        "Invalid value for option '--format': 'onnx'; allowed: onnx-int8,"
                                + " onnx-fp32");
        assertThat(run("run", "--bootstrap-servers", "127.0.0.1:1", "--drift-margin", "1.5").err())
                .contains(
                        "Invalid option --drift-margin: must be in [0, 1) (0 turns drift off), got 1.5");
        assertThat(
                        run(
                                        "run",
                                        "--bootstrap-servers",
                                        "127.0.0.1:1",
                                        "--attention-length-scale",
                                        "-1")
                                .err())
                .contains("Invalid option --attention-length-scale: must be >= 0, got -1");
        String[] base = {"run", "--bootstrap-servers", "127.0.0.1:1"};
        assertThat(run(concat(base, "--prune-threshold", "some")).err())
                .contains(
                        "Invalid option --prune-threshold: must be auto, off or a threshold >= 0,"
                                + " got 'some'");
        assertThat(run(concat(base, "--prune-max-agreement-loss", "-1")).err())
                .contains("Invalid option --prune-max-agreement-loss: must be in [0, 100)");
        assertThat(run(concat(base, "--freeze-student-at", "1000")).err())
                .contains(
                        "Invalid option --freeze-student-at: the frozen student is measured on the"
                                + " --benchmark sets; give at least one");
        Path tsv = Files.createTempFile("bench", ".tsv");
        Files.writeString(tsv, "a fine film\t1\n");
        String test = tsv.toString();
        assertThat(run(concat(base, "--benchmark", "a=" + test, "--benchmark", "a=" + test)).err())
                .contains("Invalid option --benchmark: the name a is used twice");
        assertThat(run(concat(base, "--benchmark", "a.b=" + test)).err())
                .contains("Invalid option --benchmark: name 'a.b' must be letters, digits");
        assertThat(run(concat(base, "--benchmark", "yelp=missing.tsv")).err())
                .contains("Invalid option --benchmark: file missing.tsv does not exist");
        assertThat(run(concat(base, "--route", "alpha")).err())
                .contains(
                        "Invalid option --route: expected STUDENT=SOURCE[,SOURCE...], got 'alpha'");
        assertThat(run(concat(base, "--route", "a=x", "--route", "b=y,x")).err())
                .contains("Invalid option --route: source 'x' is routed to a and b");
        assertThat(run(concat(base, "--route", "student=x")).err())
                .contains("Invalid option --route: student is the default student (--student)");
        String[] routed = concat(base, "--route", "alpha=a*");
        assertThat(run(concat(routed, "--student-setting", "alpha")).err())
                .contains(
                        "Invalid option --student-setting: expected STUDENT:OPTION=VALUE, got"
                                + " 'alpha'");
        assertThat(run(concat(routed, "--student-setting", "beta:alpha=0.5")).err())
                .contains(
                        "Invalid option --student-setting: no student beta in this job (routed or"
                                + " --student: [alpha, student])");
        assertThat(run(concat(routed, "--student-setting", "alpha:student-layers=3")).err())
                .contains("Invalid option --student-setting: 'student-layers' cannot differ")
                .contains("mapped to the job's --student-layers");
        assertThat(run(concat(routed, "--student-setting", "alpha:student-hidden=1.5")).err())
                .contains(
                        "Invalid option --student-setting: alpha:student-hidden must be a whole"
                                + " number >= 1, got '1.5'");
        assertThat(run(concat(routed, "--student-setting", "alpha:student-hidden=130")).err())
                .contains("Invalid option --student-setting: alpha: ")
                .contains("hidden (a multiple of heads)");
        assertThat(run(concat(routed, "--student-setting", "student:temperature=0")).err())
                .contains("Invalid option --student-setting: student: ")
                .contains("temperature must be > 0");
        assertThat(run(concat(base, "--trainer-parallelism", "0")).err())
                .contains("Invalid option --trainer-parallelism: must be >= 1, got 0");
        assertThat(run(concat(base, "--augment-copies", "-1")).err())
                .contains("Invalid option --augment-copies: must be in [0, 64], got -1");
        assertThat(
                        run(concat(
                                        base,
                                        "--augment-copies",
                                        "2",
                                        "--augment-mask-probability",
                                        "1"))
                                .err())
                .contains("Invalid option --augment-mask-probability: must be in [0, 1), got 1.0");
        assertThat(run(concat(base, "--augment-copies", "2", "--augment-mask-token", " ")).err())
                .contains("Invalid option --augment-mask-token: must not be blank");
        assertThat(run(concat(base, "--teacher-budget", "150%")).err())
                .contains("Invalid option --teacher-budget: a share must be in (0, 1]");
        assertThat(run(concat(base, "--teacher-budget", "fast")).err())
                .contains(
                        "Invalid option --teacher-budget: expected a share (0.25 or 25%) or a rate"
                                + " (40/s), got 'fast'");
        assertThat(run(concat(base, "--selection", "uncertainty")).err())
                .contains(
                        "Invalid option --selection: chooses within a budget: set --teacher-budget"
                                + " too");
        assertThat(run(concat(base, "--teacher-budget", "25%", "--selection", "mix")).err())
                .contains(
                        "Invalid option --selection: mix asks the newest published student: set"
                                + " --model-store");
        assertThat(run(concat(base, "--selection", "newest")).err())
                .contains(
                        "Invalid value for option '--selection': 'newest'; allowed: random,"
                                + " uncertainty, mix");
        assertThat(
                        run(concat(
                                        base,
                                        "--teacher-budget",
                                        "0.5",
                                        "--selection-random-share",
                                        "2"))
                                .err())
                .contains("Invalid option --selection-random-share: must be in [0, 1], got 2.0");
        assertThat(run("bench", "budget", "--budget", "0").err())
                .contains("Invalid option --budget: a share must be in (0, 1]");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void secretsShouldNotReachMessagesOrPrintedSettings() {
        String jaas =
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"hunter2\";";
        Result r =
                run(
                        "run",
                        "--bootstrap-servers",
                        "127.0.0.1:1",
                        "--kafka-timeout-seconds",
                        "1",
                        "--kafka-property",
                        "sasl.jaas.config=" + jaas,
                        "--kafka-property",
                        "ssl.truststore.password=hunter3");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("hunter2").doesNotContain("hunter3");
        var settings =
                io.flinkdistill.pipeline.job.KafkaWiring.KafkaSettings.builder(
                                java.util.Map.of(
                                        "bootstrap.servers",
                                        "b:9092",
                                        "sasl.jaas.config",
                                        jaas,
                                        "ssl.truststore.password",
                                        "hunter3",
                                        "security.protocol",
                                        "SASL_SSL"),
                                io.flinkdistill.pipeline.input.SampleInputs.avro("s"))
                        .build();
        assertThat(settings.toString())
                .doesNotContain("hunter2")
                .doesNotContain("hunter3")
                .contains("sasl.jaas.config=[redacted]")
                .contains("security.protocol=SASL_SSL")
                .contains("bootstrap.servers=b:9092");
    }

    @Test
    void aModelStoreWithoutAFileSystemShouldFailAtStartUp() {
        assertThat(
                        run(
                                        "run",
                                        "--bootstrap-servers",
                                        "127.0.0.1:1",
                                        "--model-store",
                                        "foo://bucket/models")
                                .err())
                .contains(
                        "Invalid option --model-store: no Flink file system for scheme 'foo' (is its"
                                + " plugin installed?): foo://bucket/models");
    }

    @Test
    void unreachableBrokersShouldFailAtStartUpWithinTheTimeout() {
        long started = System.nanoTime();
        Result r = run("run", "--bootstrap-servers", "127.0.0.1:1", "--kafka-timeout-seconds", "2");
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains(
                        "Invalid option --bootstrap-servers: no Kafka broker answered at 127.0.0.1:1 within 2 s");
        assertThat(seconds).isLessThan(20);
    }

    private record Result(int code, String err) {}

    /** What a command refused at start-up (exit code 2) printed on stderr. */
    private static String refusal(String... args) {
        Result r = run(args);
        assertThat(r.code).as("exit code of %s", String.join(" ", args)).isEqualTo(2);
        return r.err;
    }

    private static Result run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true));
        try {
            int code = DistillCli.execute(args);
            return new Result(code, err.toString());
        } finally {
            System.setErr(saved);
        }
    }
}
