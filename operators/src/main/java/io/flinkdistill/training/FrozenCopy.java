package io.flinkdistill.training;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.flinkdistill.evaluation.StudentEvaluator;
import io.flinkdistill.student.StudentConfig;
import io.flinkdistill.student.StudentModel;
import java.util.List;
import java.util.Map;

/**
 * The student as it was at one moment (a drift scenario's shift), never trained again: the "what if
 * we had stopped here" line next to the continuous student on the benchmark sets. Empty until
 * taken; its model lives in the trainer's native memory.
 */
public final class FrozenCopy {
    private final StudentConfig config;
    private final NDManager manager;
    private FrozenStudent copy;
    private StudentModel model;

    FrozenCopy(StudentConfig config, NDManager manager) {
        this.config = config;
        this.manager = manager;
    }

    /** The copy as checkpointed, or null while none was taken. */
    public FrozenStudent copy() {
        return copy;
    }

    /** Takes the copy: these weights, at this many samples trained. */
    void take(long samplesTrained, Map<String, float[]> weights) {
        restore(new FrozenStudent(samplesTrained, weights));
    }

    /** Puts back a copy from a checkpoint. */
    public void restore(FrozenStudent frozen) {
        if (model != null) {
            model.close();
        }
        JniUtils.setGradMode(false);
        copy = frozen;
        model = StudentModel.fromWeights(config, frozen.weights(), manager);
    }

    /** The copy's class for each of these tokenized sentences, or null while there is none. */
    public int[] predictionsOn(List<int[]> tokens) {
        if (model == null) {
            return null;
        }
        JniUtils.setGradMode(false);
        return StudentEvaluator.predictions(model, manager, tokens);
    }
}
