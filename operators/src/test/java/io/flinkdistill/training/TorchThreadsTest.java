package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TorchThreadsTest {

    /**
     * Measured, not assumed: the count belongs to the thread that sets it (a trainer subtask's task
     * thread, so its slot); a thread that already ran libtorch keeps its own.
     */
    @Test
    void setsTheCallingThreadsCountAndLeavesOtherRunningThreadsAlone() throws Exception {
        int defaultThreads = TorchThreads.get(); // this thread has now run libtorch
        assertThat(defaultThreads).isPositive();
        try {
            AtomicInteger inSetter = new AtomicInteger();
            Thread setter =
                    new Thread(
                            () -> {
                                TorchThreads.set(1);
                                inSetter.set(TorchThreads.get());
                            });
            setter.start();
            setter.join();
            assertThat(inSetter.get()).isEqualTo(1);
            assertThat(TorchThreads.get()).isEqualTo(defaultThreads);
        } finally {
            TorchThreads.set(defaultThreads); // also the default of threads started later
        }
    }
}
