package io.flinkdistill.pipeline.cli;

import io.flinkdistill.pipeline.job.EvalSplit;
import io.flinkdistill.pipeline.kafka.Topics;
import io.flinkdistill.pipeline.replay.SampleProducer;
import io.flinkdistill.pipeline.replay.TsvDataset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code distill produce}: replays a {@code text<TAB>label} file onto a topic as Avro samples. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description =
                "Replay a text<TAB>label file onto a Kafka topic with stable ids: as Avro TrainingSamples, JSON objects or bare text (--format).")
public final class ProduceCommand implements Callable<Integer> {
    @Option(
            names = "--data",
            required = true,
            description = "File of text<TAB>label rows (label optional, header recognised).")
    Path data;

    @Option(
            names = "--topic",
            defaultValue = "distill.samples",
            description = "Target topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @picocli.CommandLine.Mixin KafkaConnection kafka = new KafkaConnection();

    /** --format json|text (and the field paths) to write a topic the way a user's stream looks. */
    @picocli.CommandLine.Mixin FieldOptions fields = new FieldOptions();

    @Option(
            names = "--rate",
            defaultValue = "0",
            description =
                    "Samples per second, 0 = as fast as possible (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--labelled-fraction",
            defaultValue = "1",
            description =
                    "Share of rows that keep their label, chosen by id hash (default: ${DEFAULT-VALUE}).")
    double labelledFraction;

    @Option(
            names = "--partitions",
            defaultValue = "2",
            description = "Partitions if the topic must be created (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        if (rate < 0) {
            throw new JobOptions.OptionException("--rate", "must be >= 0, got " + rate);
        }
        if (!(labelledFraction >= 0 && labelledFraction <= 1)) {
            throw new JobOptions.OptionException(
                    "--labelled-fraction", "must be in [0, 1], got " + labelledFraction);
        }
        if (partitions < 1) {
            throw new JobOptions.OptionException("--partitions", "must be >= 1, got " + partitions);
        }
        io.flinkdistill.pipeline.replay.SampleEncoding encoding;
        io.flinkdistill.pipeline.input.TopicInput mapping = fields.mapping();
        try {
            encoding = io.flinkdistill.pipeline.replay.SampleEncoding.forInput(mapping);
        } catch (IllegalArgumentException e) {
            throw new JobOptions.OptionException("--format", e.getMessage());
        }
        Map<String, Object> client = kafka.clientConfig();
        TsvDataset dataset = TsvDataset.read(data);
        dataset.warnAboutMalformedLines();
        Topics.ensure(client, Map.of(topic, partitions), Duration.ofSeconds(30));
        EvalSplit keep =
                labelledFraction >= 1 || labelledFraction <= 0
                        ? null
                        : new EvalSplit(labelledFraction);
        long n =
                SampleProducer.produce(
                        client,
                        topic,
                        dataset,
                        dataset.rows(),
                        1,
                        r ->
                                labelledFraction >= 1
                                        || (keep != null
                                                && keep.isEval("label:" + dataset.idOf(r))),
                        rate,
                        null,
                        encoding);
        System.out.printf(
                "Wrote %d samples from %s to %s as %s%n", n, data, topic, mapping.describe());
        return 0;
    }
}
