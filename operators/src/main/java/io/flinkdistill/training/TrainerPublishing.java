package io.flinkdistill.training;

import io.flinkdistill.evaluation.EvalResult;
import io.flinkdistill.publish.PublishSettings;
import io.flinkdistill.publish.PublishedVersion;
import io.flinkdistill.publish.StudentPublisher;
import io.flinkdistill.publish.WindowMeasure;
import io.flinkdistill.schemas.StudentModelPublished;
import io.flinkdistill.serving.WindowAgreement;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.metrics.Counter;

/**
 * The publish stage as the trainer operator runs it: per student the version last published
 * (restored from keyed state the first time it is needed), the promotion gate, the publication of
 * both precisions ({@link StudentPublisher}) and the model events. A publication that fails is
 * counted and logged; training goes on.
 */
final class TrainerPublishing {
    /** The operator's logger: the publication lines read as before, under the operator's name. */
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(StudentTrainerOperator.class);

    private final StudentPublisher publisher;
    private final Benchmarks benchmarks;
    private final int numClasses;
    private final Counter failures;
    private final Consumer<StudentModelPublished> events;

    /** Reads the current key's last published version as checkpointed (keyed state). */
    interface Stored {
        PublishedVersion read() throws IOException;
    }

    private final Stored stored;

    private final Map<String, PublishedVersion> lastByStudent = new HashMap<>();
    private Map<String, WindowMeasure> benchmarkMeasures;

    TrainerPublishing(
            PublishSettings settings,
            Benchmarks benchmarks,
            int numClasses,
            Counter failures,
            Consumer<StudentModelPublished> events,
            Stored stored) {
        this.publisher = new StudentPublisher(settings);
        this.benchmarks = benchmarks;
        this.numClasses = numClasses;
        this.failures = failures;
        this.events = events;
        this.stored = stored;
    }

    /** The last version published of the current key's student (null: none, or publishing off). */
    PublishedVersion last(String student) throws IOException {
        PublishedVersion last = lastByStudent.get(student);
        if (last == null && publisher.enabled()) {
            last = stored.read();
            lastByStudent.put(student, last);
        }
        return last;
    }

    /** The last version known in memory, without touching state (gauges). */
    PublishedVersion known(String student) {
        return lastByStudent.get(student);
    }

    /** Publishes the current student when the promotion gate lets it through (or forced). */
    void maybePublish(StudentTrainer trainer, EvalResult eval, boolean force) {
        if (!publisher.enabled()) {
            return;
        }
        String key = trainer.name();
        try {
            PublishedVersion last = last(key);
            if (!publisher.passes(StudentPublisher.agreementOf(eval), eval.size(), last, force)) {
                return;
            }
            StudentPublisher.Publication p =
                    publisher.publish(
                            new StudentPublisher.Candidate(
                                    key,
                                    trainer.model().config(),
                                    trainer.model().exportWeights(),
                                    trainer.provenance(),
                                    eval,
                                    trainer.steps(),
                                    trainer.samplesTrained(),
                                    WindowAgreement.over(trainer.evalWindow()),
                                    benchmarkMeasures()),
                            last);
            lastByStudent.put(key, p.version());
            p.events().forEach(events);
            LOG.info(
                    "Published student {} v{} (agreement {}) to {}",
                    key,
                    p.version().version(),
                    p.version().agreement(),
                    p.events().get(0).getUri());
        } catch (IOException | RuntimeException e) {
            failures.inc();
            LOG.error("Could not publish student {}; training goes on", key, e);
        }
    }

    /** Each benchmark set as scored samples an exported file is measured on (built once). */
    private Map<String, WindowMeasure> benchmarkMeasures() {
        if (benchmarkMeasures == null) {
            benchmarkMeasures = benchmarks.measures(numClasses);
        }
        return benchmarkMeasures;
    }
}
