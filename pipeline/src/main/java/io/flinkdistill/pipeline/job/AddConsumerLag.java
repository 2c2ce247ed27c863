package io.flinkdistill.pipeline.job;

import io.flinkdistill.pipeline.kafka.ConsumerLag;
import io.flinkdistill.schemas.DistillMetrics;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the source's consumer lag in records into each metrics record on its way to the topic
 * (asked of the broker at most every few seconds; null while the broker does not answer, with a
 * warning, never a failure), and keeps it as the gauge {@code consumerLagRecords}.
 */
final class AddConsumerLag extends RichMapFunction<DistillMetrics, DistillMetrics> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AddConsumerLag.class);
    private static final long REFRESH_MILLIS = 5_000;

    private final KafkaWiring.KafkaSettings kafka;
    private transient ConsumerLag lag;
    private transient Long latest;
    private transient long askedAt;
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
                .gauge("consumerLagRecords", () -> latest == null ? -1L : latest);
    }

    @Override
    public DistillMetrics map(DistillMetrics m) {
        long now = System.currentTimeMillis();
        if (latest == null || now - askedAt >= REFRESH_MILLIS) {
            askedAt = now;
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
        m.setConsumerLagRecords(latest);
        return m;
    }

    @Override
    public void close() {
        if (lag != null) {
            lag.close();
        }
    }
}
