package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.job.DistillationJob;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.pipeline.job.KafkaWiring;
import io.flinkdistill.pipeline.kafka.TopicFollower;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.TeacherSpec;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distill run}: the distillation job on live Kafka topics, unbounded. Runs on the cluster it
 * is submitted to ({@code flink run}) or on a local MiniCluster when started directly. Checkpoints
 * go to durable storage ({@link CheckpointOptions}); a new start resumes from the newest retained
 * checkpoint; the console shows progress, every checkpoint and every restart ({@link JobWatcher}).
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run the distillation job on live Kafka topics (unbounded).")
public final class RunCommand implements Callable<Integer> {
    @Mixin JobOptions job = new JobOptions();

    @Mixin CheckpointOptions checkpoints = new CheckpointOptions();

    @Option(
            names = "--bounded",
            description =
                    "Stop at the offsets that exist when the job starts (a backfill or a benchmark); the final student is written to --export-dir.")
    boolean bounded;

    @Option(
            names = "--export-dir",
            defaultValue = "students",
            description = "Directory for saved students (default: ${DEFAULT-VALUE}).")
    Path exportDir;

    @Option(
            names = "--kafka-timeout-seconds",
            defaultValue = "30",
            description =
                    "How long start-up waits for the brokers to answer (default: ${DEFAULT-VALUE}).")
    int kafkaTimeoutSeconds;

    /**
     * An unreachable registry or brokers, or a missing samples topic, fail at start-up, not in a
     * running job.
     */
    private void checkKafka() throws InterruptedException {
        if (kafkaTimeoutSeconds < 1) {
            throw new JobOptions.OptionException(
                    "--kafka-timeout-seconds", "must be >= 1, got " + kafkaTimeoutSeconds);
        }
        io.flinkdistill.pipeline.input.SampleInputs inputs = job.input.inputs();
        if (inputs.needsRegistry()) {
            try {
                io.flinkdistill.pipeline.input.SchemaRegistryClient.withDefaults(
                                inputs.registryUrl())
                        .check();
            } catch (IllegalStateException e) {
                throw new JobOptions.OptionException("--schema-registry-url", e.getMessage());
            }
        }
        // The job's own topics too: a metrics, dead-letter, control or models topic that does not
        // exist would only show in the running job, restarting it again and again.
        Map<String, String> optionOf = new java.util.LinkedHashMap<>();
        inputs.topics().forEach(t -> optionOf.put(t, "--samples-topic"));
        optionOf.putIfAbsent(job.metricsTopic, "--metrics-topic");
        optionOf.putIfAbsent(job.deadLetterTopic, "--dlq-topic");
        optionOf.putIfAbsent(job.controlTopic, "--control-topic");
        optionOf.putIfAbsent(job.modelsTopic, "--models-topic");
        List<String> missing;
        try {
            missing =
                    io.flinkdistill.pipeline.kafka.Topics.missing(
                            job.kafkaSettings(job.kafka.bootstrapServers, bounded).clientConfig(),
                            // With a pattern, topics may appear later: only the brokers and the
                            // job's output topics are checked.
                            List.copyOf(optionOf.keySet()),
                            java.time.Duration.ofSeconds(kafkaTimeoutSeconds));
        } catch (IllegalStateException e) {
            throw new JobOptions.OptionException("--bootstrap-servers", e.getMessage());
        }
        if (!missing.isEmpty()) {
            String option = optionOf.get(missing.get(0));
            List<String> same =
                    missing.stream().filter(t -> optionOf.get(t).equals(option)).toList();
            throw new JobOptions.OptionException(
                    option,
                    (same.size() == 1 ? "topic " : "topics ")
                            + String.join(", ", same)
                            + (same.size() == 1 ? " does" : " do")
                            + " not exist on "
                            + job.kafka.bootstrapServers
                            + (option.equals("--samples-topic")
                                    ? ""
                                    : " (the job writes or reads it: create it, one partition is"
                                            + " enough)"));
        }
    }

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        job.validate();
        job.kafka.require("for 'run' (the demo starts its own broker)");
        // Without a context (flink run, REST submission) the job runs on a MiniCluster here.
        StreamExecutionEnvironment context = StreamExecutionEnvironment.getExecutionEnvironment();
        boolean local = context instanceof LocalStreamEnvironment;
        CheckpointOptions.Resolved cp =
                checkpoints.resolve(job.student, local, context.getConfiguration());
        checkKafka();
        List<TeacherSpec> specs = job.teacherSpecs();
        List<LinearHead> heads = job.headsFor(specs, job.loadHeads());
        JobSettings settings;
        // Open the teachers once here so that a mismatch fails before the job is submitted.
        settings =
                job.jobSettings(
                        heads,
                        JobOptions.DEFAULT_CYCLE_SAMPLES,
                        exportDir.toAbsolutePath().toString());
        Configuration conf = cp.conf();
        StreamExecutionEnvironment env;
        URI rest;
        if (local) {
            rest = JobWatcher.localRest(conf);
            env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        } else {
            env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            rest =
                    URI.create(
                            "http://"
                                    + env.getConfiguration().get(RestOptions.ADDRESS)
                                    + ":"
                                    + env.getConfiguration().get(RestOptions.PORT)
                                    + "/");
        }
        job.enableCheckpointing(env);
        KafkaWiring.KafkaSettings kafka = job.kafkaSettings(job.kafka.bootstrapServers, bounded);
        KafkaWiring.sinks(
                DistillationJob.build(
                        KafkaWiring.source(env, kafka),
                        KafkaWiring.controlSource(env, kafka),
                        settings),
                kafka);
        PrintStream out = System.out;
        out.printf(
                "distill run: student %s, teacher %s; reading %s from %s (group %s)%s%n",
                job.student,
                String.join(" + ", specs.stream().map(TeacherSpec::name).toList()),
                job.input.inputs().describe(),
                job.kafka.bootstrapServers,
                job.groupId,
                bounded ? ", up to the offsets of now" : ", unbounded");
        out.printf(
                "Writing metrics to %s, model events to %s, dead letters to %s; students to %s%s%n",
                job.metricsTopic,
                job.modelsTopic,
                job.deadLetterTopic,
                job.publish.modelStore == null
                        ? "(no --model-store: nothing published)"
                        : job.publish.modelStore,
                bounded ? " and " + exportDir.toAbsolutePath() : "");
        checkpoints.describe(cp, job.checkpointIntervalMs).forEach(out::println);
        if (!local && !context.getConfiguration().get(DeploymentOptions.ATTACHED)) {
            // Detached submission (flink run -d, REST /jars/run): the cluster runs the job.
            JobClient client = env.executeAsync("flink-distill " + job.student);
            out.println("Submitted job " + client.getJobID() + " (detached); follow it at " + rest);
            return 0;
        }
        out.println((local ? "Local MiniCluster, web UI and REST at " : "Cluster REST at ") + rest);
        try (TopicFollower<io.flinkdistill.schemas.DistillMetrics> progress =
                TopicFollower.metricsFromNow(
                        job.kafkaClientConfig(job.kafka.bootstrapServers),
                        job.metricsTopic,
                        m -> ProgressLine.print(m, start, settings.routing().active()))) {
            JobClient client = env.executeAsync("flink-distill " + job.student);
            out.printf(
                    Locale.ROOT,
                    "[%5.0fs] job %s submitted%n",
                    (System.nanoTime() - start) / 1e9,
                    client.getJobID());
            return new JobWatcher(
                            rest,
                            client,
                            checkpoints.maxConsecutiveFailures,
                            cp.checkpointDir(),
                            start,
                            out)
                    .watch(System.err);
        }
    }
}
