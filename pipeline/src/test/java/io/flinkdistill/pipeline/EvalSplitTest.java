package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkdistill.pipeline.job.EvalSplit;
import org.junit.jupiter.api.Test;

class EvalSplitTest {
    @Test
    void shouldHoldOutTheRequestedShareStably() {
        EvalSplit split = new EvalSplit(0.05);
        int eval = 0;
        for (int i = 0; i < 100_000; i++) {
            if (split.isEval("sample-" + i)) {
                eval++;
            }
        }
        assertThat(eval).isBetween(4_700, 5_300);
        assertThat(new EvalSplit(0.05).isEval("sample-42")).isEqualTo(split.isEval("sample-42"));
    }

    @Test
    void shouldRejectAFractionOutsideTheOpenUnitInterval() {
        assertThatThrownBy(() -> new EvalSplit(1.0)).hasMessageContaining("eval-fraction");
    }
}
