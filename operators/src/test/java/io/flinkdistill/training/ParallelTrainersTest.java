package io.flinkdistill.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.student.StudentConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two trainers in one JVM, as two trainer subtasks (two slots of one TaskManager, or two jobs)
 * would be: both train at the same time on their own threads, and each learns what it learns alone.
 * (DJL's gradient collector allows one per JVM: with it, one of the two failed with "A
 * PtGradientCollector is already collecting".)
 */
class ParallelTrainersTest {

    @Test
    void shouldTrainTwoStudentsAtOnceInOneJvmAsEachWouldAlone() throws Exception {
        // Without dropout, a student's steps do not depend on the engine-wide random seed, which
        // two trainers stepping at once would interleave.
        TrainerSettings a = settings(7);
        TrainerSettings b = settings(8);
        List<ScoredSample> dataA = SyntheticSamples.generate(400, 1, false);
        List<ScoredSample> dataB = SyntheticSamples.generate(400, 2, false);

        Map<String, float[]> aloneA = trainAlone(a, dataA);
        Map<String, float[]> aloneB = trainAlone(b, dataB);

        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Future<Map<String, float[]>> fa = pool.submit(() -> train(a, dataA, start));
            Future<Map<String, float[]>> fb = pool.submit(() -> train(b, dataB, start));
            start.countDown();
            assertClose(fa.get(2, TimeUnit.MINUTES), aloneA);
            assertClose(fb.get(2, TimeUnit.MINUTES), aloneB);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, float[]> trainAlone(TrainerSettings s, List<ScoredSample> data)
            throws Exception {
        CountDownLatch go = new CountDownLatch(0);
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            return one.submit(() -> train(s, data, go)).get(2, TimeUnit.MINUTES);
        } finally {
            one.shutdownNow();
        }
    }

    private static Map<String, float[]> train(
            TrainerSettings s, List<ScoredSample> data, CountDownLatch start) throws Exception {
        start.await();
        try (StudentTrainer t = new StudentTrainer("student", s)) {
            List<ScoredSample> copy = new ArrayList<>(data);
            copy.forEach(t::accept);
            assertThat(t.steps()).isEqualTo(50);
            assertThat(t.skippedSteps()).isZero();
            return t.snapshot().weights();
        }
    }

    private static void assertClose(Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] x = actual.get(e.getKey());
            for (int i = 0; i < x.length; i++) {
                assertThat(x[i])
                        .as("%s[%d]", e.getKey(), i)
                        .isCloseTo(e.getValue()[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    /** The tiny student without dropout, seeded: two seeds give two different students. */
    private static TrainerSettings settings(long seed) {
        TrainerSettings tiny = TrainerFixtures.tinySettings();
        return tiny.toBuilder()
                .optStudent(
                        new StudentConfig(
                                tiny.student().vocabSize(),
                                tiny.student().embedDim(),
                                tiny.student().hidden(),
                                tiny.student().layers(),
                                tiny.student().heads(),
                                tiny.student().ffn(),
                                tiny.student().maxTokens(),
                                tiny.student().numClasses(),
                                tiny.student().teacherDim(),
                                0f,
                                seed))
                .build();
    }
}
