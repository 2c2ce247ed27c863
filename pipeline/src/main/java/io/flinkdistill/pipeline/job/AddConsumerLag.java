package io.flinkdistill.pipeline.job;

import io.flinkdistill.pipeline.kafka.ConsumerLag;
import io.flinkdistill.schemas.DistillMetrics;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the source's consumer lag in records into each metrics record on its way to the topic. A
 * background thread asks the broker every few seconds, so a slow or absent broker never holds the
 * metrics stream: the record then carries null (with one warning per outage), never a failure. The
 * value is also the gauge {@code consumerLagRecords} (-1 while unknown).
 */
final class AddConsumerLag extends RichMapFunction<DistillMetrics, DistillMetrics> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AddConsumerLag.class);
    private static final long REFRESH_MILLIS = 5_000;

    private final KafkaWiring.KafkaSettings kafka;
    private transient ConsumerLag lag;
    private transient volatile Long latest;
    private transient java.util.concurrent.ScheduledExecutorService asker;
    private transient boolean warned;

    AddConsumerLag(KafkaWiring.KafkaSettings kafka) {
        this.kafka = kafka;
    }

    @Override
    public void open(OpenContext ctx) {
        lag =
                new ConsumerLag(
                        kafka.clientConfig(),
                        kafka.groupId(),
                        kafka.samples().topics(),
                        kafka.samples().pattern() == null
                                ? null
                                : kafka.samples().compiledPattern());
        getRuntimeContext()
                .getMetricGroup()
                .gauge(
                        "consumerLagRecords",
                        () -> {
                            Long l = latest;
                            return l == null ? -1L : l;
                        });
        asker =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "consumer-lag");
                            t.setDaemon(true);
                            return t;
                        });
        asker.scheduleWithFixedDelay(
                this::ask, 0, REFRESH_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void ask() {
        try {
            latest = lag.records();
            warned = false;
        } catch (Exception e) {
            latest = null;
            if (!warned) {
                LOG.warn("Consumer lag unknown, the broker did not answer: {}", e.toString());
                warned = true;
            }
        }
    }

    @Override
    public DistillMetrics map(DistillMetrics m) {
        m.setConsumerLagRecords(latest);
        return m;
    }

    @Override
    public void close() throws Exception {
        if (asker != null) {
            asker.shutdownNow();
            asker.awaitTermination(15, java.util.concurrent.TimeUnit.SECONDS);
        }
        if (lag != null) {
            lag.close();
        }
    }
}
