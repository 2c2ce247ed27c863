package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.job.CountDeadLetters;
import io.flinkdistill.pipeline.job.DeadLetter;
import io.flinkdistill.pipeline.monitor.MetricsRecords;
import io.flinkdistill.schemas.DistillMetrics;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CountDeadLettersTest {
    @TempDir Path dir;

    @Test
    void shouldCountDeadLettersIntoMetricsExactlyAcrossARestore() throws Exception {
        Path recording = dir.resolve("recorded.jsonl");
        try (InputStream in = getClass().getResourceAsStream("/metrics/recorded.jsonl")) {
            Files.copy(in, recording);
        }
        DistillMetrics m = MetricsRecords.readRecording(recording).get(0);
        OperatorSubtaskState snapshot;
        try (var h = new TwoInputStreamOperatorTestHarness<>(new CountDeadLetters())) {
            h.open();
            h.processElement2(new StreamRecord<>(new DeadLetter()));
            h.processElement2(new StreamRecord<>(new DeadLetter()));
            h.processElement1(new StreamRecord<>(m));
            snapshot = h.snapshot(1, 1);
            // After the checkpoint: lost with the failure, replayed after the restore.
            h.processElement2(new StreamRecord<>(new DeadLetter()));
            assertThat(h.extractOutputValues())
                    .extracting(DistillMetrics::getDeadLetters)
                    .containsExactly(2L);
        }
        try (var h = new TwoInputStreamOperatorTestHarness<>(new CountDeadLetters())) {
            h.initializeState(snapshot);
            h.open();
            h.processElement2(new StreamRecord<>(new DeadLetter()));
            h.processElement1(new StreamRecord<>(m));
            assertThat(h.extractOutputValues())
                    .extracting(DistillMetrics::getDeadLetters)
                    .containsExactly(3L);
            assertThat(h.extractOutputValues().get(0).getStep()).isEqualTo(m.getStep());
        }
    }
}
