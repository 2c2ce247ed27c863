package io.flinkdistill.pipeline;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a pipeline ITCase runs against, registered once per class: a real KRaft broker ({@link
 * KafkaBroker}) and, as the test needs, a Flink MiniCluster with two slots (jobs submitted from the
 * test's own JVM) or a standalone Flink cluster of child JVMs ({@link StandaloneCluster}). Started
 * before the first test, Flink first; stopped after the last, the broker last.
 */
final class TestBed
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final KafkaBroker kafka = new KafkaBroker();
    private final MiniClusterExtension miniCluster;
    private final StandaloneCluster standalone;

    private TestBed(MiniClusterExtension miniCluster, StandaloneCluster standalone) {
        this.miniCluster = miniCluster;
        this.standalone = standalone;
    }

    /** A broker only (the test starts its jobs through the CLI, in a JVM of its own). */
    static TestBed kafka() {
        return new TestBed(null, null);
    }

    /** A broker and a MiniCluster (one TaskManager, two slots) for jobs built in the test. */
    static TestBed miniCluster() {
        return new TestBed(
                new MiniClusterExtension(
                        new MiniClusterResourceConfiguration.Builder()
                                .setNumberTaskManagers(1)
                                .setNumberSlotsPerTaskManager(2)
                                .build()),
                null);
    }

    /** A broker and a standalone cluster of {@code taskManagers} TaskManager JVMs. */
    static TestBed standalone(int taskManagers) {
        return new TestBed(null, new StandaloneCluster(taskManagers));
    }

    KafkaBroker broker() {
        return kafka;
    }

    /** The standalone cluster (only for {@link #standalone}). */
    StandaloneCluster cluster() {
        if (standalone == null) {
            throw new IllegalStateException("this test bed has no standalone cluster");
        }
        return standalone;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (miniCluster != null) {
            miniCluster.beforeAll(context);
        }
        kafka.beforeAll(context);
        if (standalone != null) {
            standalone.beforeAll(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (miniCluster != null) {
            miniCluster.beforeEach(context);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (miniCluster != null) {
            miniCluster.afterEach(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (standalone != null) {
                standalone.afterAll(context);
            }
        } finally {
            try {
                kafka.afterAll(context);
            } finally {
                if (miniCluster != null) {
                    miniCluster.afterAll(context);
                }
            }
        }
    }
}
