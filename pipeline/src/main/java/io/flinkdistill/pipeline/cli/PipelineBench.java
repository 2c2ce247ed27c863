package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.pipeline.job.DecodedSample;
import io.flinkdistill.pipeline.job.DistillationJob;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.teacher.OnnxTeacher;
import io.flinkdistill.teacher.TeacherInput;
import io.flinkdistill.teacher.TeacherOperator;
import io.flinkdistill.training.StudentTrainer;
import io.flinkdistill.training.TorchThreads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where the job's time goes: in one process, on the same cores, the teacher alone (its operator in
 * a Flink job), the trainer alone (on the teacher's cached outputs of the same sentences), and the
 * whole job graph (validation, teacher, trainer, evaluation) fed from memory, each in trained
 * samples per second after a warm-up; and the job's ratio to its bound, the slower stage.
 */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description =
                "Trained samples/s of the teacher alone, the trainer alone (on cached teacher"
                        + " outputs) and the whole job, and the job's ratio to the slower stage."
                        + " Job options (--teacher-threads, --trainer-threads, shapes) apply.")
public final class PipelineBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin JobOptions job = new JobOptions();

    @Option(
            names = "--samples",
            defaultValue = "4000",
            description = "Sentences measured (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(
            names = "--warmup",
            defaultValue = "800",
            description = "Sentences before timing starts (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin JsonOutput json = new JsonOutput();

    @Override
    public Integer call() throws Exception {
        JobOptions.atLeastOption("--samples", samples, 500);
        JobOptions.atLeastOption("--warmup", warmup, 100);
        job.validate();
        List<String> texts = TeacherBench.sentences(warmup + samples);
        io.flinkdistill.teacher.TeacherSpec spec = job.teacherSpecs().get(0);
        io.flinkdistill.teacher.LinearHead head;
        try (OnnxTeacher probe = OnnxTeacher.open(spec, null, 64, 1)) {
            head = TeacherBench.randomHead(spec.name(), probe.hiddenSize());
        }
        Path export = Files.createTempDirectory("bench-pipeline");
        JobSettings settings = job.jobSettings(List.of(head), warmup + samples, export.toString());
        double evalShare = settings.evalFraction();
        System.out.printf(
                "%d sentences after %d warm-up; teacher %s (%d ONNX threads), trainer with %s"
                        + " libtorch threads; %s.%n",
                samples,
                warmup,
                spec.name(),
                job.teacherThreads,
                job.trainerThreads == 0 ? "default" : Integer.toString(job.trainerThreads),
                io.flinkdistill.serving.CpuFeatures.detect().describe());

        List<ScoredSample> cached = new ArrayList<>();
        double teacher = teacherAlone(settings, texts, cached);
        System.out.printf("teacher alone:  %8.1f scored samples/s%n", teacher);
        double trainer = trainerAlone(settings, cached);
        System.out.printf("trainer alone:  %8.1f trained samples/s%n", trainer);
        double whole = wholeJob(settings, texts);
        System.out.printf("whole job:      %8.1f trained samples/s%n", whole);
        // The job's teacher also scores the eval slice, which is not trained on.
        double teacherBound = teacher * (1 - evalShare);
        double bound = Math.min(teacherBound, trainer);
        System.out.printf(
                "bound: %s at %.1f trained samples/s; the job reaches %.3f of it.%n",
                teacherBound <= trainer ? "the teacher" : "the trainer", bound, whole / bound);
        Directories.deleteRecursively(export);
        ObjectNode r = JSON.createObjectNode();
        r.put("cpu", io.flinkdistill.serving.CpuFeatures.detect().describe());
        r.put("cores", Runtime.getRuntime().availableProcessors());
        r.put("teacher", spec.name());
        r.put("teacher_threads", job.teacherThreads);
        r.put("trainer_threads", job.trainerThreads);
        r.put("samples", samples);
        r.put("warmup", warmup);
        r.put("teacher_samples_per_s", round(teacher));
        r.put("teacher_bound_trained_samples_per_s", round(teacherBound));
        r.put("trainer_samples_per_s", round(trainer));
        r.put("job_trained_samples_per_s", round(whole));
        r.put("bound", teacherBound <= trainer ? "teacher" : "trainer");
        r.put("ratio_to_bound", round(whole / bound));
        json.write(r);
        return 0;
    }

    private double teacherAlone(JobSettings settings, List<String> texts, List<ScoredSample> out)
            throws Exception {
        List<TeacherInput> inputs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            TeacherInput in =
                    new TeacherInput(Integer.toString(i), texts.get(i), null, false, 0, i);
            in.topic = "bench";
            inputs.add(in);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
        Keep.reset(warmup, texts.size());
        env.fromData(inputs, TypeInformation.of(TeacherInput.class))
                .connect(DistillationJob.noCommands(env).broadcast())
                .transform(
                        "teacher",
                        TypeInformation.of(ScoredSample.class),
                        new TeacherOperator(settings.teacher()))
                .process(new Keep())
                .sinkTo(new DiscardingSink<>());
        env.execute("bench-pipeline-teacher");
        out.addAll(Keep.KEPT);
        if (out.size() != texts.size()) {
            throw new IllegalStateException(
                    "the teacher scored " + out.size() + " of " + texts.size());
        }
        return samples / ((Keep.end - Keep.start) / 1e9);
    }

    private double trainerAlone(JobSettings settings, List<ScoredSample> cached) {
        TorchThreads.set(settings.trainer().threads());
        try (StudentTrainer t = new StudentTrainer("bench", settings.trainer())) {
            for (ScoredSample s : cached.subList(0, warmup)) {
                t.accept(s);
            }
            long start = System.nanoTime();
            for (ScoredSample s : cached.subList(warmup, cached.size())) {
                t.accept(s);
            }
            t.flush();
            return samples / ((System.nanoTime() - start) / 1e9);
        }
    }

    private double wholeJob(JobSettings settings, List<String> texts) throws Exception {
        List<DecodedSample> records = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            DecodedSample d = new DecodedSample();
            d.topic = "bench";
            d.offset = i;
            d.id = "bench-" + i;
            d.text = texts.get(i);
            d.eventTime = System.currentTimeMillis();
            records.add(d);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        settings.teacherParallelism(), new Configuration());
        Progress.reset();
        DistillationJob.Outputs o =
                DistillationJob.build(
                        env.fromData(records, TypeInformation.of(DecodedSample.class))
                                .setParallelism(1),
                        settings);
        o.metrics().process(new Progress()).setParallelism(1).sinkTo(new DiscardingSink<>());
        o.studentVersions().sinkTo(new DiscardingSink<>());
        o.models().sinkTo(new DiscardingSink<>());
        o.decisions().sinkTo(new DiscardingSink<>());
        o.deadLetters().sinkTo(new DiscardingSink<>());
        env.execute("bench-pipeline-job");
        // Between the first metrics record past the warm-up and the last one.
        long[] first = null;
        long[] last = null;
        for (long[] p : Progress.POINTS) {
            if (first == null && p[1] >= warmup) {
                first = p;
            }
            last = p;
        }
        if (first == null || last == first) {
            throw new IllegalStateException(
                    "too few metrics records after the warm-up: " + Progress.POINTS.size());
        }
        return (last[1] - first[1]) / ((last[0] - first[0]) / 1e9);
    }

    /** Keeps the teacher's outputs, noting when the first measured and the last one arrive. */
    static final class Keep extends ProcessFunction<ScoredSample, Void> {
        private static final long serialVersionUID = 1L;
        static final List<ScoredSample> KEPT = Collections.synchronizedList(new ArrayList<>());
        static volatile long start;
        static volatile long end;
        private static volatile int warmupCount;
        private static volatile int total;

        static void reset(int warmup, int all) {
            KEPT.clear();
            warmupCount = warmup;
            total = all;
        }

        @Override
        public void processElement(ScoredSample s, Context ctx, Collector<Void> out) {
            KEPT.add(s);
            int n = KEPT.size();
            if (n == warmupCount) {
                start = System.nanoTime();
            }
            if (n == total) {
                end = System.nanoTime();
            }
        }
    }

    /** {nanoTime, samples trained} of each metrics record. */
    static final class Progress extends ProcessFunction<DistillMetrics, Void> {
        private static final long serialVersionUID = 1L;
        static final List<long[]> POINTS = Collections.synchronizedList(new ArrayList<>());

        static void reset() {
            POINTS.clear();
        }

        @Override
        public void processElement(DistillMetrics m, Context ctx, Collector<Void> out) {
            POINTS.add(new long[] {System.nanoTime(), m.getSamplesTrained()});
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
