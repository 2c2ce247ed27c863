package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.job.DistillationJob;
import io.flinkdistill.pipeline.job.JobSettings;
import io.flinkdistill.pipeline.job.KafkaWiring;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.TeacherSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distill run}: the distillation job on live Kafka topics, unbounded. Runs on the cluster it
 * is submitted to ({@code flink run}) or on a local MiniCluster when started directly.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run the distillation job on live Kafka topics (unbounded).")
public final class RunCommand implements Callable<Integer> {
    @Mixin JobOptions job = new JobOptions();

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

    /** Unreachable brokers or a missing samples topic fail at start-up, not in a running job. */
    private void checkKafka() throws InterruptedException {
        if (kafkaTimeoutSeconds < 1) {
            throw new JobOptions.OptionException(
                    "--kafka-timeout-seconds", "must be >= 1, got " + kafkaTimeoutSeconds);
        }
        List<String> missing;
        try {
            missing =
                    io.flinkdistill.pipeline.kafka.Topics.missing(
                            job.kafkaSettings(job.bootstrapServers, bounded).clientConfig(),
                            List.of(job.samplesTopic),
                            java.time.Duration.ofSeconds(kafkaTimeoutSeconds));
        } catch (IllegalStateException e) {
            throw new JobOptions.OptionException("--bootstrap-servers", e.getMessage());
        }
        if (!missing.isEmpty()) {
            throw new JobOptions.OptionException(
                    "--samples-topic",
                    "topic " + job.samplesTopic + " does not exist on " + job.bootstrapServers);
        }
    }

    @Override
    public Integer call() throws Exception {
        job.validate();
        if (job.bootstrapServers == null) {
            throw new JobOptions.OptionException(
                    "--bootstrap-servers",
                    "is required for 'run' (the demo starts its own broker)");
        }
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
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        job.enableCheckpointing(env);
        KafkaWiring.KafkaSettings kafka = job.kafkaSettings(job.bootstrapServers, bounded);
        KafkaWiring.sinks(
                DistillationJob.build(
                        KafkaWiring.source(env, kafka),
                        KafkaWiring.controlSource(env, kafka),
                        settings),
                kafka);
        env.execute("flink-distill " + job.student);
        return 0;
    }
}
