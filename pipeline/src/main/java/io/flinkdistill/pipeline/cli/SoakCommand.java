package io.flinkdistill.pipeline.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkdistill.pipeline.job.DistillationJob;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.pipeline.job.KafkaWiring;
import io.flinkdistill.pipeline.kafka.LocalKafka;
import io.flinkdistill.pipeline.kafka.TopicFollower;
import io.flinkdistill.pipeline.kafka.Topics;
import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.schemas.DistillMetrics;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.TeacherSpec;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distill soak}: the whole pipeline (local broker, MiniCluster, checkpoints, publishing) on
 * an endless replay of SST-2 for a given time, recording the process's resident memory and the
 * number of live native arrays over time; drift is measured against the first sample after a
 * warm-up.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description =
                "Run the pipeline on an endless replay and record process RSS and live NDArrays over time.")
public final class SoakCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin JobOptions job = new JobOptions();

    @Option(
            names = "--minutes",
            defaultValue = "30",
            description = "How long to run (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(
            names = "--warmup-minutes",
            defaultValue = "3",
            description =
                    "Drift is measured from the first sample after this (default: ${DEFAULT-VALUE}).")
    double warmupMinutes;

    @Option(
            names = "--every-seconds",
            defaultValue = "10",
            description = "Sampling interval (default: ${DEFAULT-VALUE}).")
    int everySeconds;

    @Option(
            names = "--rate",
            defaultValue = "250",
            description = "Replay rate in samples/s (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--out",
            defaultValue = "soak-out",
            description =
                    "Directory for the broker, checkpoints and models (default: ${DEFAULT-VALUE}).")
    Path out;

    @picocli.CommandLine.Mixin JsonOutput json = new JsonOutput();

    @Override
    public Integer call() throws Exception {
        job.validate();
        if (!(minutes > 0) || !(warmupMinutes >= 0) || warmupMinutes >= minutes) {
            throw new JobOptions.OptionException(
                    "--minutes", "must be > 0 and more than --warmup-minutes, got " + minutes);
        }
        JobOptions.atLeastOption("--every-seconds", everySeconds, 1);
        if (!(rate > 0)) {
            throw new JobOptions.OptionException("--rate", "must be > 0, got " + rate);
        }
        Directories.deleteRecursively(out);
        Files.createDirectories(out);
        Path trainFile = out.resolve("sst2-train.tsv");
        try (InputStream in = SoakCommand.class.getResourceAsStream("/data/sst2/train.tsv")) {
            Files.copy(in, trainFile);
        }
        TsvDataset data = TsvDataset.read(trainFile);
        List<TsvRow> rows = new ArrayList<>(data.rows());
        Collections.shuffle(rows, new Random(job.seed));
        List<TeacherSpec> specs = job.teacherSpecs();
        List<LinearHead> heads = new ArrayList<>();
        for (TeacherSpec spec : specs) {
            heads.add(
                    HeadTraining.fit(
                            spec, rows.subList(0, 2000), data.classes(), job.maxTokens, 2));
        }
        List<TsvRow> stream = rows.subList(2000, rows.size());
        if (job.publish.modelStore == null) {
            job.publish.modelStore = out.resolve("models").toAbsolutePath().toUri().toString();
        }
        JobSettings settings;
        settings =
                job.jobSettings(
                        heads,
                        JobOptions.DEFAULT_CYCLE_SAMPLES,
                        out.resolve("student").toAbsolutePath().toString());
        try (LocalKafka kafka = LocalKafka.start(out.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, Object> client = job.kafkaClientConfig(bootstrap);
            settings = settings.withSelection(job.teacherSelection(bootstrap));
            Topics.ensure(client, job.topicPartitions(), Duration.ofSeconds(60));
            Configuration conf = new Configuration();
            conf.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    out.resolve("checkpoints").toAbsolutePath().toUri().toString());
            java.net.URI rest = JobWatcher.localRest(conf);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(1, conf);
            job.enableCheckpointing(env);
            KafkaWiring.KafkaSettings k = job.kafkaSettings(bootstrap, false);
            KafkaWiring.sinks(
                    DistillationJob.build(
                            KafkaWiring.source(env, k),
                            KafkaWiring.controlSource(env, k),
                            settings),
                    k);
            AtomicBoolean running = new AtomicBoolean(true);
            Thread producer =
                    new Thread(
                            () -> {
                                int pass = 1;
                                try {
                                    while (running.get()) {
                                        SampleProducer.produce(
                                                client,
                                                job.input.firstTopic(),
                                                data,
                                                stream,
                                                pass++,
                                                r -> r.line() % 20 == 0,
                                                rate);
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            },
                            "soak-replay");
            producer.setDaemon(true);
            List<DistillMetrics> recorded =
                    java.util.Collections.synchronizedList(new ArrayList<>());
            try (TopicFollower<DistillMetrics> metrics =
                    TopicFollower.metrics(client, job.metricsTopic, recorded::add)) {
                JobClient jobClient = env.executeAsync("flink-distill soak");
                // Checkpoint failures and restarts on the console; a loop of them ends the soak.
                JobWatcher watcher =
                        JobWatcher.inBackground(rest, jobClient, conf, System.nanoTime());
                producer.start();
                List<double[]> series = sample(metrics, jobClient);
                running.set(false);
                producer.interrupt();
                watcher.expectEnd();
                jobClient.cancel().get();
                report(series);
                // Every metrics record, and the HTML report with its lag and budget charts.
                List<DistillMetrics> seen;
                synchronized (recorded) {
                    seen = List.copyOf(recorded);
                }
                Files.write(
                        out.resolve("metrics.jsonl"),
                        seen.stream()
                                .map(io.flinkdistill.pipeline.monitor.MetricsJson::toLine)
                                .toList(),
                        java.nio.charset.StandardCharsets.UTF_8);
                io.flinkdistill.pipeline.monitor.HtmlReport.write(
                        out.resolve("report.html"),
                        String.format(
                                java.util.Locale.ROOT,
                                "flink-distill soak: %.0f samples/s, teacher budget %s",
                                rate,
                                job.selection.budget()),
                        seen);
                System.out.printf(
                        "Metrics: %s; report: %s%n",
                        out.resolve("metrics.jsonl"), out.resolve("report.html"));
            }
        }
        return 0;
    }

    /**
     * Samples {seconds, rss MB, heap used MB, live arrays, samples trained, heap committed MB, rss
     * outside the committed heap MB} until the time is up. The JVM does not give committed heap
     * back, so a heap that grows once (a burst of allocation) raises RSS for good; RSS outside the
     * committed heap is where native leaks (libtorch, ONNX Runtime) would show.
     */
    private List<double[]> sample(TopicFollower<DistillMetrics> metrics, JobClient jobClient)
            throws Exception {
        List<double[]> series = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        System.out.printf(
                "%8s %10s %10s %12s %10s %12s %12s %10s %10s%n",
                "seconds",
                "rss MB",
                "heap MB",
                "live arrays",
                "trained",
                "committed MB",
                "outside MB",
                "lag s",
                "skipped");
        while (System.nanoTime() < end) {
            Thread.sleep(everySeconds * 1000L);
            if (jobClient.getJobStatus().get().isGloballyTerminalState()) {
                throw new IllegalStateException(
                        "The soak job ended early: " + jobClient.getJobStatus().get());
            }
            Runtime rt = Runtime.getRuntime();
            DistillMetrics m = metrics.latest();
            double rss = io.flinkdistill.training.ProcessMemory.residentBytes() / 1048576.0;
            double committed = rt.totalMemory() / 1048576.0;
            double[] point = {
                (System.nanoTime() - start) / 1e9,
                rss,
                (rt.totalMemory() - rt.freeMemory()) / 1e6,
                liveArrays(),
                m == null ? 0 : m.getSamplesTrained(),
                committed,
                rss - committed,
                m == null || m.getEventTimeLagMs() == null
                        ? Double.NaN
                        : m.getEventTimeLagMs() / 1000.0,
                m == null ? 0 : m.getSamplesSkipped()
            };
            series.add(point);
            System.out.printf(
                    "%8.0f %10.1f %10.1f %12.0f %10.0f %12.1f %12.1f %10.1f %10.0f%n",
                    point[0], point[1], point[2], point[3], point[4], point[5], point[6], point[7],
                    point[8]);
        }
        return series;
    }

    private void report(List<double[]> series) throws Exception {
        // Live arrays and RSS move with the moment a sample falls in a training step, so compare
        // the mean of the first quarter after warm-up with the mean of the last quarter.
        double warmup = warmupMinutes * 60;
        List<double[]> after = series.stream().filter(p -> p[0] >= warmup).toList();
        if (after.size() < 4) {
            after = series;
        }
        int q = Math.max(1, after.size() / 4);
        double[] first = mean(after.subList(0, q));
        double[] lastQuarter = mean(after.subList(after.size() - q, after.size()));
        double[] last = series.get(series.size() - 1);
        double rssDrift = (lastQuarter[1] - first[1]) / first[1];
        double arraysDrift = first[3] == 0 ? 0 : (lastQuarter[3] - first[3]) / first[3];
        double outsideDrift = (lastQuarter[6] - first[6]) / first[6];
        double[] base = first;
        double rssMax = lastQuarter[1];
        double arraysMax = lastQuarter[3];
        System.out.printf(
                "After warm-up, first vs last quarter: RSS %.0f -> %.0f MB (drift %+.1f %%), outside the committed heap %.0f -> %.0f MB (drift %+.1f %%), live arrays %.0f -> %.0f (drift %+.1f %%); %,.0f samples trained in %.1f min.%n",
                base[1],
                rssMax,
                100 * rssDrift,
                base[6],
                lastQuarter[6],
                100 * outsideDrift,
                base[3],
                arraysMax,
                100 * arraysDrift,
                last[4],
                last[0] / 60);
        System.out.printf(
                "Event-time lag after warm-up: max %.1f s, last %.1f s (stream at %.0f samples/s,"
                        + " teacher budget %s, %,.0f samples skipped).%n",
                after.stream()
                        .mapToDouble(p -> p[7])
                        .filter(v -> !Double.isNaN(v))
                        .max()
                        .orElse(Double.NaN),
                last[7],
                rate,
                job.selection.budget(),
                last[8]);
        if (json.wanted()) {
            ObjectNode r = JSON.createObjectNode();
            r.put("minutes", minutes);
            r.put("warmup_minutes", warmupMinutes);
            r.put("rss_mb_first_quarter", base[1]);
            r.put("rss_mb_last_quarter", rssMax);
            r.put("rss_drift", rssDrift);
            r.put("outside_heap_mb_first_quarter", base[6]);
            r.put("outside_heap_mb_last_quarter", lastQuarter[6]);
            r.put("outside_heap_drift", outsideDrift);
            r.put("live_arrays_first_quarter", base[3]);
            r.put("live_arrays_last_quarter", arraysMax);
            r.put("live_arrays_drift", arraysDrift);
            r.put("samples_trained", last[4]);
            r.put("flat", rssDrift < 0.05 && arraysDrift < 0.05);
            r.put("rate", rate);
            r.put("teacher_budget", job.selection.budget().toString());
            r.put("samples_skipped", last[8]);
            // Event-time lag as the metrics records report it, after the warm-up.
            double lagMax =
                    after.stream()
                            .mapToDouble(p -> p[7])
                            .filter(v -> !Double.isNaN(v))
                            .max()
                            .orElse(Double.NaN);
            r.put("event_time_lag_s_max_after_warmup", lagMax);
            r.put("event_time_lag_s_last", last[7]);
            ArrayNode s = r.putArray("series");
            for (double[] p : series) {
                ObjectNode o = s.addObject();
                o.put("seconds", p[0]);
                o.put("rss_mb", p[1]);
                o.put("heap_mb", p[2]);
                o.put("live_arrays", p[3]);
                o.put("samples_trained", p[4]);
                o.put("heap_committed_mb", p[5]);
                o.put("outside_heap_mb", p[6]);
                if (!Double.isNaN(p[7])) {
                    o.put("event_time_lag_s", p[7]);
                }
                o.put("samples_skipped", p[8]);
            }
            json.write(r);
        }
    }

    private static double[] mean(List<double[]> points) {
        double[] m = new double[points.get(0).length];
        for (double[] p : points) {
            for (int i = 0; i < m.length; i++) {
                m[i] += p[i] / points.size();
            }
        }
        return m;
    }

    /** Arrays alive anywhere under the PyTorch engine's root manager. */
    private static double liveArrays() {
        try (NDManager probe = NDManager.newBaseManager("PyTorch")) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }
}
