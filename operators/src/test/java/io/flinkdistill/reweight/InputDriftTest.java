package io.flinkdistill.reweight;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.schemas.ControlCommand;
import io.flinkdistill.schemas.ControlType;
import io.flinkdistill.schemas.DistillMetrics;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The evaluator's label-free detector: one REALIGN per shift of the trainer's input statistic,
 * re-armed only when the trainer shows a fresh reference.
 */
class InputDriftTest {
    private static DistillMetrics record(long step, Double inputShift) {
        return DistillMetrics.newBuilder()
                .setStudent("s")
                .setStep(step)
                .setSamplesTrained(step * 32)
                .setEvalWindow(50)
                .setEvalAgreement(0.9)
                .setEvalLabelled(0)
                .setEvalKl(0.1)
                .setLossTotal(0)
                .setLossSoft(0)
                .setLossFeature(0)
                .setLossAttention(0)
                .setLossHard(0)
                .setWeightSoft(0.5)
                .setWeightFeature(0.3)
                .setWeightAttention(0.2)
                .setTemperature(2)
                .setLearningRate(1e-3)
                .setPhase("cosine")
                .setSamplesPerSecond(100)
                .setInputShift(inputShift)
                .setTimestamp(java.time.Instant.EPOCH)
                .build();
    }

    @Test
    void shouldFireOncePerShiftAndAgainOnlyAfterANewReference() throws Exception {
        LossReweighter evaluator =
                new LossReweighter(
                        LossPolicy.of("fixed"),
                        new double[] {0.5, 0.3, 0.2},
                        new DriftDetector(0, 5),
                        new InputDriftDetector(20));
        try (KeyedOneInputStreamOperatorTestHarness<String, DistillMetrics, ControlCommand> h =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        evaluator, DistillMetrics::getStudent, Types.STRING)) {
            Double[] shifts = {null, 1.1, 0.9, 1.3, 350.0, 420.0, 380.0, null, 1.0, 2.0, 90.0};
            for (int i = 0; i < shifts.length; i++) {
                h.processElement(record(25L * (i + 1), shifts[i]), i);
            }
            List<ControlCommand> out = h.extractOutputValues();
            assertThat(out).extracting(ControlCommand::getType).containsOnly(ControlType.REALIGN);
            assertThat(out)
                    .extracting(ControlCommand::getId)
                    .containsExactly("input-drift-s-125", "input-drift-s-275");
            assertThat(out.get(0).getValues()).containsEntry("input_shift", 350.0);
            assertThat(out.get(0).getValues()).containsEntry("threshold", 20.0);
        }
    }

    @Test
    void shouldStaySilentWhenOff() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, DistillMetrics, ControlCommand> h =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new LossReweighter(
                                LossPolicy.of("fixed"),
                                new double[] {0.5, 0.3, 0.2},
                                new DriftDetector(0, 5)),
                        DistillMetrics::getStudent,
                        Types.STRING)) {
            h.processElement(record(25, 500.0), 0);
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }
}
