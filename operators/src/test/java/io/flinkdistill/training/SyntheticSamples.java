package io.flinkdistill.training;

import io.flinkdistill.sample.ScoredSample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Scored samples with random tokens and a learnable teacher signal, for unit tests of the trainer
 * mechanics (state, determinism, memory). Pipeline tests use the real ONNX teacher instead.
 */
final class SyntheticSamples {
    static final int VOCAB = 500;
    static final int CLASSES = 3;
    static final int TEACHER_DIM = 16;

    private SyntheticSamples() {}

    static List<ScoredSample> generate(int n, long seed, boolean eval) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<ScoredSample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ScoredSample s = new ScoredSample();
            s.student = "student";
            s.id = (eval ? "e" : "t") + seed + "-" + i;
            int len = 3 + rng.nextInt(10);
            s.tokens = new int[len];
            int cls = rng.nextInt(CLASSES);
            for (int t = 0; t < len; t++) {
                // Tokens carry the class: the student can learn the teacher's decision.
                s.tokens[t] = cls * 100 + rng.nextInt(100);
            }
            s.teacherLogits = new float[CLASSES];
            s.teacherLogits[cls] = 3f;
            s.teacherFeatures = new float[TEACHER_DIM];
            for (int d = 0; d < TEACHER_DIM; d++) {
                s.teacherFeatures[d] =
                        (float) rng.nextGaussian() * 0.1f + (d % CLASSES == cls ? 0.5f : 0f);
            }
            s.label = rng.nextInt(10) == 0 ? cls : -1;
            s.eval = eval;
            s.partition = i % 2;
            s.offset = i;
            out.add(s);
        }
        return out;
    }
}
