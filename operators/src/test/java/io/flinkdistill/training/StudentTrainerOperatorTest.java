package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.DistillMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudentTrainerOperatorTest {
    /** Commands are broadcast, not keyed. */
    static final org.apache.flink.api.java.functions.KeySelector<ControlCommand, String> NO_KEY =
            null;

    @TempDir Path exportDir;

    @Test
    void shouldRestoreIdenticalStudentFromACheckpoint() throws Exception {
        TrainerSettings settings = TrainerFixtures.tinySettings();
        OperatorSubtaskState snapshot;
        TrainerState before;
        long newestEventTime;
        try (var harness = harness(settings)) {
            harness.open();
            for (ScoredSample s : SyntheticSamples.generate(20, 9, true)) {
                harness.processElement1(new StreamRecord<>(s));
            }
            // Training samples that happened a minute ago, a millisecond apart (the operator's
            // processing time is the clock the lag is measured on).
            harness.setProcessingTime(System.currentTimeMillis());
            long minuteAgo = System.currentTimeMillis() - 60_000;
            List<ScoredSample> train = SyntheticSamples.generate(101, 1, false);
            for (int i = 0; i < train.size(); i++) {
                train.get(i).eventTime = minuteAgo + i;
                harness.processElement1(new StreamRecord<>(train.get(i)));
            }
            snapshot = harness.snapshot(1L, 1L);
            before = operator(harness).trainer("student").snapshot();
            newestEventTime = operator(harness).trainer("student").newestEventTime();
            // 101 samples at batch 8: 12 steps, metrics every 5 steps -> 2 records so far.
            assertThat(metrics(harness)).hasSize(2);
            assertThat(metrics(harness).get(1).getSamplesTrained()).isEqualTo(80L);
            // The lag: how far the newest trained sample's event time is behind the record.
            assertThat(metrics(harness).get(1).getEventTimeLagMs()).isBetween(59_900L, 600_000L);
            assertThat(newestEventTime).isGreaterThanOrEqualTo(minuteAgo + 79);
        }
        try (var restored = harness(settings)) {
            restored.initializeState(snapshot);
            restored.open();
            // The first record of a key brings its trainer back from keyed state.
            restored.processElement1(
                    new StreamRecord<>(SyntheticSamples.generate(1, 10, true).get(0)));
            TrainerState after = operator(restored).trainer("student").snapshot();
            assertThat(after.samplesTrained()).isEqualTo(96L);
            assertThat(operator(restored).trainer("student").newestEventTime())
                    .as("the newest event time trained, restored")
                    .isEqualTo(newestEventTime);
            assertThat(after.pending()).hasSize(5);
            assertThat(after.optimizerSteps()).isEqualTo(before.optimizerSteps());
            for (Map.Entry<String, float[]> e : before.weights().entrySet()) {
                assertThat(after.weights().get(e.getKey()))
                        .as(e.getKey())
                        .containsExactly(e.getValue());
            }
        }
    }

    @Test
    void shouldTrainTheRemainderAndWriteTheStudentAtEndOfInput() throws Exception {
        try (var harness = harness(TrainerFixtures.tinySettings())) {
            harness.open();
            for (ScoredSample s : SyntheticSamples.generate(13, 1, false)) {
                harness.processElement1(new StreamRecord<>(s));
            }
            harness.endInput1();
            List<StudentVersion> versions = harness.extractOutputValues();
            assertThat(versions).hasSize(1);
            assertThat(versions.get(0).samplesTrained).isEqualTo(13L);
            StudentFile.Loaded saved = StudentFile.read(Path.of(versions.get(0).path));
            assertThat(saved.samplesTrained()).isEqualTo(13L);
            assertThat(saved.step()).isEqualTo(2L);
            // The student carries what produced it, Kafka offsets included (partition = i % 2).
            assertThat(saved.provenance().samplesTrained()).hasValue(13);
            assertThat(saved.provenance().trained().highestOffsets())
                    .containsEntry(0, 12L)
                    .containsEntry(1, 11L);
            assertThat(saved.provenance().entries()).containsKey("training.loss_weights");
        }
    }

    @Test
    void shouldTrainEachStudentWithItsOwnShapeLossWeightsAndLearningRate() throws Exception {
        TrainerSettings job = TrainerFixtures.tinySettings();
        TrainerSettings wide =
                job.toBuilder()
                        .optStudent(job.student().withShape(8, 32, 4, 48))
                        .optLossWeights(
                                new io.flinkdistill.loss.LossWeights(0.2, 0.1, 0.0, 0.7, 2.0))
                        .optLearningRate(1e-3)
                        .build();
        TrainerSettings settings = job.toBuilder().optStudents(Map.of("wide", wide)).build();
        try (var harness = harness(settings)) {
            harness.open();
            for (ScoredSample s : SyntheticSamples.generate(40, 1, false)) {
                harness.processElement1(new StreamRecord<>(s));
            }
            for (ScoredSample s : SyntheticSamples.generate(40, 2, false)) {
                s.student = "wide";
                harness.processElement1(new StreamRecord<>(s));
            }
            harness.endInput1();
            Map<String, StudentFile.Loaded> saved = new java.util.TreeMap<>();
            for (StudentVersion v : harness.extractOutputValues()) {
                saved.put(v.student, StudentFile.read(Path.of(v.path)));
            }
            assertThat(saved.keySet()).containsExactly("student", "wide");
            assertThat(saved.get("student").config()).isEqualTo(job.student());
            assertThat(saved.get("wide").config()).isEqualTo(wide.student());
            assertThat(saved.get("wide").weights().values().stream().mapToLong(w -> w.length).sum())
                    .as("the wide student's parameters")
                    .isGreaterThan(
                            saved.get("student").weights().values().stream()
                                    .mapToLong(w -> w.length)
                                    .sum());
            Map<String, DistillMetrics> last = new java.util.TreeMap<>();
            for (DistillMetrics m : metrics(harness)) {
                last.put(m.getStudent().toString(), m);
            }
            assertThat(last.get("wide").getWeightSoft()).isEqualTo(0.2);
            assertThat(last.get("wide").getWeightFeature()).isEqualTo(0.1);
            assertThat(last.get("student").getWeightSoft()).isEqualTo(job.lossWeights().soft());
            // After warm-up, each near its own peak (3e-3 for the job, 1e-3 for wide).
            assertThat(last.get("wide").getLearningRate()).isBetween(0.9e-3, 1e-3);
            assertThat(last.get("student").getLearningRate()).isBetween(2.7e-3, 3e-3);
        }
    }

    @Test
    void shouldFinishAStudentRestoredFromACheckpointEvenWithoutANewSample() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(TrainerFixtures.tinySettings())) {
            harness.open();
            for (ScoredSample s : SyntheticSamples.generate(13, 1, false)) {
                harness.processElement1(new StreamRecord<>(s));
            }
            snapshot = harness.snapshot(1L, 1L);
        }
        try (var restored = harness(TrainerFixtures.tinySettings())) {
            restored.initializeState(snapshot);
            restored.open();
            // The input ends before any sample of the student arrives again.
            restored.endInput1();
            List<StudentVersion> versions = restored.extractOutputValues();
            assertThat(versions).as("the restored student is written out").hasSize(1);
            assertThat(versions.get(0).samplesTrained)
                    .as("its pending batch trained too")
                    .isEqualTo(13L);
            assertThat(metrics(restored))
                    .last()
                    .satisfies(m -> assertThat(m.getSamplesTrained()).isEqualTo(13L));
        }
    }

    @Test
    void shouldPublishVersionsThatNeverRepeatAcrossARestart(@TempDir Path storeDir)
            throws Exception {
        TrainerSettings settings = TrainerFixtures.tinySettings();
        io.flinkdistill.publish.PublishSettings every =
                new io.flinkdistill.publish.PublishSettings(
                        storeDir.toUri().toString(),
                        -1,
                        1,
                        io.flinkdistill.publish.Pruning.auto(0.005));
        io.flinkdistill.publish.ModelStore store =
                new io.flinkdistill.publish.ModelStore(storeDir.toUri().toString());
        OperatorSubtaskState snapshot;
        try (var h = harness(settings, every)) {
            h.open();
            for (ScoredSample s : SyntheticSamples.generate(20, 9, true)) {
                h.processElement1(new StreamRecord<>(s));
            }
            for (ScoredSample s : SyntheticSamples.generate(80, 1, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            // Metrics (and a publication each, margin -1) at steps 5 and 10.
            assertThat(events(h)).extracting(e -> e.getVersion()).containsExactly(1L, 1L, 2L, 2L);
            assertThat(events(h))
                    .extracting(e -> e.getFormat())
                    .containsExactly("onnx-fp32", "onnx-int8", "onnx-fp32", "onnx-int8");
            snapshot = h.snapshot(1L, 1L);
            // After the checkpoint the job publishes on, then fails.
            for (ScoredSample s : SyntheticSamples.generate(40, 2, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            assertThat(store.latestVersion("student")).isEqualTo(3);
        }
        try (var restored = harness(settings, every)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement1(
                    new StreamRecord<>(SyntheticSamples.generate(1, 10, true).get(0)));
            restored.endInput1();
            // The checkpoint says 2, the store has 3: the next version is 4, never 3 again.
            assertThat(events(restored)).extracting(e -> e.getVersion()).containsExactly(4L, 4L);
            var event = events(restored).get(0);
            byte[] file =
                    java.nio.file.Files.readAllBytes(Path.of(java.net.URI.create(event.getUri())));
            assertThat(io.flinkdistill.publish.ModelStore.sha256(file))
                    .isEqualTo(event.getSha256());
            assertThat(event.getMetrics()).containsKey("eval_agreement");
            // Pruned as far as the eval window allowed, measured on the files themselves.
            Map<String, Double> m = event.getMetrics();
            assertThat(m).containsKeys("prune_threshold", "ffn_neurons_kept", "ffn_neurons");
            assertThat(m.get("published_agreement"))
                    .isGreaterThanOrEqualTo(m.get("unpruned_agreement") - 0.005);
            assertThat(
                            io.flinkdistill.training.StudentFile.read(
                                            Path.of(restored.extractOutputValues().get(0).path))
                                    .provenance()
                                    .entries())
                    .containsKey("publish.prune_threshold");
        }
    }

    private static StreamRecord<ControlCommand> command(
            String id, io.flinkdistill.schemas.ControlType type, Map<String, Double> values) {
        return new StreamRecord<>(io.flinkdistill.testing.Commands.command(id, type, null, values));
    }

    @Test
    void shouldApplyControlCommandsOnceThroughACheckpointAndShowThemInMetrics() throws Exception {
        TrainerSettings settings = TrainerFixtures.tinySettings();
        OperatorSubtaskState snapshot;
        try (var h = harness(settings)) {
            h.open();
            for (ScoredSample s : SyntheticSamples.generate(20, 9, true)) {
                h.processElement1(new StreamRecord<>(s));
            }
            for (ScoredSample s : SyntheticSamples.generate(40, 1, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            DistillMetrics first = metrics(h).get(0);
            assertThat(first.getWeightSoft()).isEqualTo(0.5);
            assertThat(first.getEvalEce()).isBetween(0.0, 1.0);
            assertThat(first.getStudentLatencyP50Ms()).isPositive();
            assertThat(first.getStudentLatencyP99Ms())
                    .isGreaterThanOrEqualTo(first.getStudentLatencyP50Ms());
            assertThat(first.getTeacherSamplesPerSecond()).isPositive();
            assertThat(first.getPeakMemoryBytes()).isPositive();
            assertThat(first.getLossPolicy()).isEqualTo("fixed");

            var w = io.flinkdistill.schemas.ControlType.SET_LOSS_WEIGHTS;
            h.processElement2(command("w1", w, Map.of("soft", 0.8, "feature", 0.1)));
            h.processElement2(command("w1", w, Map.of("soft", 0.1)));
            h.processElement2(
                    command(
                            "t1",
                            io.flinkdistill.schemas.ControlType.SET_TEMPERATURE,
                            Map.of("temperature", 2.0)));
            for (ScoredSample s : SyntheticSamples.generate(40, 2, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            DistillMetrics second = metrics(h).get(1);
            assertThat(second.getWeightSoft()).isEqualTo(0.8);
            assertThat(second.getWeightFeature()).isEqualTo(0.1);
            assertThat(second.getWeightAttention()).isEqualTo(0.2);
            assertThat(second.getTemperature()).isEqualTo(2.0);
            assertThat(second.getSamplesTrained()).isEqualTo(80L);

            h.processElement2(command("p1", io.flinkdistill.schemas.ControlType.PAUSE, Map.of()));
            for (ScoredSample s : SyntheticSamples.generate(40, 3, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            DistillMetrics paused = metrics(h).get(2);
            assertThat(paused.getPaused()).isTrue();
            assertThat(paused.getSamplesTrained()).isEqualTo(80L);
            assertThat(paused.getSamplesPaused()).isEqualTo(40L);
            h.processElement2(command("r1", io.flinkdistill.schemas.ControlType.RESUME, Map.of()));
            h.processElement2(command("d1", io.flinkdistill.schemas.ControlType.REALIGN, Map.of()));
            snapshot = h.snapshot(1L, 1L);
        }
        try (var restored = harness(settings)) {
            restored.initializeState(snapshot);
            restored.open();
            // Replayed commands (same ids) change nothing after the restore.
            restored.processElement2(
                    command(
                            "w1",
                            io.flinkdistill.schemas.ControlType.SET_LOSS_WEIGHTS,
                            Map.of("soft", 0.2)));
            restored.processElement2(
                    command("p1", io.flinkdistill.schemas.ControlType.PAUSE, Map.of()));
            for (ScoredSample s : SyntheticSamples.generate(40, 4, false)) {
                restored.processElement1(new StreamRecord<>(s));
            }
            DistillMetrics after = metrics(restored).get(0);
            assertThat(after.getWeightSoft()).isEqualTo(0.8);
            assertThat(after.getTemperature()).isEqualTo(2.0);
            assertThat(after.getPaused()).isFalse();
            assertThat(after.getSamplesTrained()).isEqualTo(120L);
            assertThat(after.getSamplesPaused()).isEqualTo(40L);
            assertThat(after.getDriftEvents()).isEqualTo(1);
        }
    }

    @Test
    void shouldEvaluateNamedBenchmarksAndAFrozenCopyThatSurvivesARestart() throws Exception {
        List<ScoredSample> a = SyntheticSamples.generate(30, 77, true);
        List<ScoredSample> b = SyntheticSamples.generate(20, 78, true);
        int[] teacherA = a.stream().mapToInt(ScoredSample::teacherClass).toArray();
        int[] teacherB = b.stream().mapToInt(ScoredSample::teacherClass).toArray();
        int[] wrongB = java.util.Arrays.stream(teacherB).map(c -> (c + 1) % 3).toArray();
        // Set b's gold labels disagree with its teacher everywhere: teacher accuracy 0.
        Benchmarks benchmarks =
                new Benchmarks(
                        List.of(
                                new Benchmark(
                                        "a",
                                        a.stream().map(s -> s.tokens).toList(),
                                        teacherA,
                                        teacherA),
                                new Benchmark(
                                        "b",
                                        b.stream().map(s -> s.tokens).toList(),
                                        wrongB,
                                        teacherB)),
                        40);
        OperatorSubtaskState snapshot;
        DistillMetrics first;
        try (var h = benchmarkHarness(benchmarks)) {
            h.open();
            for (ScoredSample s : SyntheticSamples.generate(80, 1, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            List<DistillMetrics> records = metrics(h);
            assertThat(records).hasSize(2);
            for (DistillMetrics m : records) {
                assertThat(m.getBenchmarks())
                        .extracting(r -> r.getName())
                        .containsExactly("a", "b");
                assertThat(m.getBenchmarks()).extracting(r -> r.getSize()).containsExactly(30, 20);
                assertThat(m.getBenchmarks().get(0).getTeacherAccuracy()).isEqualTo(1.0);
                assertThat(m.getBenchmarks().get(1).getTeacherAccuracy()).isEqualTo(0.0);
                // Against labels equal to the teacher's classes, accuracy is agreement.
                assertThat(m.getBenchmarks().get(0).getAccuracy())
                        .isEqualTo(m.getBenchmarks().get(0).getAgreement());
                assertThat(m.getBenchmarkAccuracy())
                        .isEqualTo(m.getBenchmarks().get(0).getAccuracy());
                assertThat(m.getBenchmarkSize()).isEqualTo(30);
            }
            // Frozen at 40 samples (step 5, the first record): the same weights then, and
            // unchanged after, while the continuous student moves on.
            first = records.get(0);
            assertThat(first.getBenchmarks().get(0).getFrozenAccuracy())
                    .isEqualTo(first.getBenchmarks().get(0).getAccuracy());
            assertThat(records.get(1).getBenchmarks().get(0).getFrozenAccuracy())
                    .isEqualTo(first.getBenchmarks().get(0).getAccuracy());
            assertThat(records.get(1).getBenchmarks().get(1).getFrozenAccuracy())
                    .isEqualTo(first.getBenchmarks().get(1).getAccuracy());
            snapshot = h.snapshot(1L, 1L);
        }
        try (var restored = benchmarkHarness(benchmarks)) {
            restored.initializeState(snapshot);
            restored.open();
            for (ScoredSample s : SyntheticSamples.generate(200, 3, false)) {
                restored.processElement1(new StreamRecord<>(s));
            }
            List<DistillMetrics> after = metrics(restored);
            assertThat(after).isNotEmpty();
            for (DistillMetrics m : after) {
                assertThat(m.getBenchmarks().get(0).getFrozenAccuracy())
                        .isEqualTo(first.getBenchmarks().get(0).getAccuracy());
                assertThat(m.getBenchmarks().get(1).getFrozenAccuracy())
                        .isEqualTo(first.getBenchmarks().get(1).getAccuracy());
            }
        }
    }

    @Test
    void shouldPublishADeferralCurveForTheWindowAndForEachBenchmarkSet(@TempDir Path storeDir)
            throws Exception {
        List<ScoredSample> a = SyntheticSamples.generate(30, 77, true);
        int[] teacherA = a.stream().mapToInt(ScoredSample::teacherClass).toArray();
        Benchmarks benchmarks =
                new Benchmarks(
                        List.of(
                                new Benchmark(
                                        "traffic",
                                        a.stream().map(x -> x.tokens).toList(),
                                        teacherA,
                                        teacherA)),
                        0);
        io.flinkdistill.publish.PublishSettings every =
                new io.flinkdistill.publish.PublishSettings(
                        storeDir.toUri().toString(), -1, 1, io.flinkdistill.publish.Pruning.off());
        try (var h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new StudentTrainerOperator(
                                TrainerFixtures.tinySettings(),
                                exportDir.toString(),
                                every,
                                benchmarks,
                                0),
                        s -> s.student,
                        NO_KEY,
                        Types.STRING)) {
            h.open();
            for (ScoredSample s : SyntheticSamples.generate(20, 9, true)) {
                h.processElement1(new StreamRecord<>(s));
            }
            for (ScoredSample s : SyntheticSamples.generate(40, 1, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            DistillMetrics m = metrics(h).get(0);
            assertThat(events(h)).hasSize(2);
            for (var e : events(h)) {
                assertThat(e.getDeferralCurve()).hasSize(52);
                var onSet = e.getBenchmarkDeferralCurves().get("traffic");
                assertThat(onSet).as(e.getFormat()).hasSize(52);
                // Labels equal to the teacher's classes: accuracy is agreement at every threshold.
                assertThat(onSet)
                        .allSatisfy(p -> assertThat(p.getAccuracy()).isEqualTo(p.getAgreement()));
                assertThat(onSet.get(51).getAgreement()).isEqualTo(1.0);
                // Each point says how many queries it stands on: the set's size.
                assertThat(onSet).allSatisfy(p -> assertThat(p.getQueries()).isEqualTo(30));
                if (e.getFormat().equals("onnx-fp32")) {
                    // The student alone on the file: what the trainer measured on the set.
                    assertThat(onSet.get(0).getAgreement())
                            .isCloseTo(
                                    m.getBenchmarks().get(0).getAgreement(),
                                    org.assertj.core.data.Offset.offset(0.04));
                }
            }
        }
    }

    private KeyedTwoInputStreamOperatorTestHarness<
                    String, ScoredSample, ControlCommand, StudentVersion>
            benchmarkHarness(Benchmarks benchmarks) throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new StudentTrainerOperator(
                        TrainerFixtures.tinySettings(),
                        exportDir.toString(),
                        io.flinkdistill.publish.PublishSettings.off(),
                        benchmarks,
                        0),
                s -> s.student,
                NO_KEY,
                Types.STRING);
    }

    @Test
    void shouldAlsoReportAfterTimeOnASlowStream() throws Exception {
        try (var h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new StudentTrainerOperator(
                                TrainerFixtures.tinySettings(),
                                exportDir.toString(),
                                io.flinkdistill.publish.PublishSettings.off(),
                                null,
                                10_000),
                        s -> s.student,
                        NO_KEY,
                        Types.STRING)) {
            h.setProcessingTime(0);
            h.open();
            // 16 samples at batch 8: 2 steps, fewer than the 5 between step-based records.
            for (ScoredSample s : SyntheticSamples.generate(16, 1, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            assertThat(metrics(h)).isEmpty();
            h.setProcessingTime(10_000);
            assertThat(metrics(h))
                    .singleElement()
                    .satisfies(m -> assertThat(m.getStep()).isEqualTo(2));
            // No step since: nothing new to report.
            h.setProcessingTime(20_000);
            assertThat(metrics(h)).hasSize(1);
        }
    }

    @Test
    void shouldPublishOnCommandEvenWhenTheGateWouldNot(@TempDir Path storeDir) throws Exception {
        io.flinkdistill.publish.PublishSettings strict =
                new io.flinkdistill.publish.PublishSettings(
                        storeDir.toUri().toString(), 0.99, 1_000_000);
        try (var h = harness(TrainerFixtures.tinySettings(), strict)) {
            h.open();
            for (ScoredSample s : SyntheticSamples.generate(20, 9, true)) {
                h.processElement1(new StreamRecord<>(s));
            }
            for (ScoredSample s : SyntheticSamples.generate(80, 1, false)) {
                h.processElement1(new StreamRecord<>(s));
            }
            assertThat(events(h)).isEmpty();
            var now = io.flinkdistill.schemas.ControlType.PUBLISH_NOW;
            h.processElement2(command("pub-1", now, Map.of()));
            h.processElement2(command("pub-1", now, Map.of()));
            assertThat(events(h)).extracting(e -> e.getVersion()).containsExactly(1L, 1L);
        }
    }

    private static List<io.flinkdistill.schemas.StudentModelPublished> events(
            KeyedTwoInputStreamOperatorTestHarness<
                            String, ScoredSample, ControlCommand, StudentVersion>
                    h) {
        var q = h.getSideOutput(StudentTrainerOperator.MODELS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    private KeyedTwoInputStreamOperatorTestHarness<
                    String, ScoredSample, ControlCommand, StudentVersion>
            harness(TrainerSettings settings) throws Exception {
        return harness(settings, io.flinkdistill.publish.PublishSettings.off());
    }

    private KeyedTwoInputStreamOperatorTestHarness<
                    String, ScoredSample, ControlCommand, StudentVersion>
            harness(TrainerSettings settings, io.flinkdistill.publish.PublishSettings publish)
                    throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new StudentTrainerOperator(settings, exportDir.toString(), publish, null, 0),
                s -> s.student,
                NO_KEY,
                Types.STRING);
    }

    private static StudentTrainerOperator operator(
            KeyedTwoInputStreamOperatorTestHarness<
                            String, ScoredSample, ControlCommand, StudentVersion>
                    h) {
        return (StudentTrainerOperator) h.getOperator();
    }

    private static List<DistillMetrics> metrics(
            KeyedTwoInputStreamOperatorTestHarness<
                            String, ScoredSample, ControlCommand, StudentVersion>
                    h) {
        ConcurrentLinkedQueue<StreamRecord<DistillMetrics>> q =
                h.getSideOutput(StudentTrainerOperator.METRICS);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }
}
