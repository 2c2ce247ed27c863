package io.flinkdistill.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.flinkdistill.student.NativeArrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay, Loshchilov and Hutter) whose moments are keyed by parameter name
 * and can be exported and restored exactly. DJL's own Adam keeps its state privately and cannot be
 * checkpointed, which would make every restart a cold optimizer.
 */
public final class CheckpointableAdamW implements AutoCloseable {
    private final NDManager manager;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long steps;

    public CheckpointableAdamW(NDManager parent, double weightDecay) {
        this(parent, 0.9, 0.999, 1e-8, weightDecay);
    }

    public CheckpointableAdamW(
            NDManager parent, double beta1, double beta2, double epsilon, double weightDecay) {
        this.manager = parent.newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    public long steps() {
        return steps;
    }

    /**
     * One update of every parameter that has a gradient. Parameters whose name ends in a bias or
     * LayerNorm suffix get no weight decay, as is usual for transformers.
     */
    public void step(Map<String, NDArray> params, Map<String, NDArray> grads, double lr) {
        steps++;
        double c1 = 1 - Math.pow(beta1, steps);
        double c2 = 1 - Math.pow(beta2, steps);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = grads.get(name);
            if (g == null) {
                continue;
            }
            NDArray m = firstMoments.computeIfAbsent(name, n -> manager.zeros(p.getShape()));
            NDArray v = secondMoments.computeIfAbsent(name, n -> manager.zeros(p.getShape()));
            // The result of an operation lands in its receiver's manager. Temporaries are
            // therefore built from the gradient (a per-step array); the long-lived parameter and
            // moments are only ever changed in place.
            m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
            v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
            NDArray denominator =
                    g.zerosLike().addi(v).divi((float) c2).sqrt().addi((float) epsilon);
            NDArray update = g.zerosLike().addi(m).divi((float) c1).divi(denominator);
            if (decays(name)) {
                update.addi(g.zerosLike().addi(p).muli((float) weightDecay));
            }
            p.subi(update.muli((float) lr));
        }
    }

    private static boolean decays(String name) {
        return name.endsWith(".w") || name.equals("embed.tokens") || name.equals("embed.pos");
    }

    /** Moments by name: "m/NAME" and "v/NAME". */
    public Map<String, float[]> exportState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        firstMoments.forEach((n, a) -> out.put("m/" + n, a.toFloatArray()));
        secondMoments.forEach((n, a) -> out.put("v/" + n, a.toFloatArray()));
        return out;
    }

    public void restoreState(long steps, Map<String, float[]> state, Map<String, NDArray> params) {
        this.steps = steps;
        firstMoments.values().forEach(NDArray::close);
        secondMoments.values().forEach(NDArray::close);
        firstMoments.clear();
        secondMoments.clear();
        for (Map.Entry<String, float[]> e : state.entrySet()) {
            String key = e.getKey();
            String name = key.substring(2);
            NDArray p = params.get(name);
            if (p == null) {
                throw new IllegalArgumentException("Optimizer state for unknown parameter " + name);
            }
            NDArray arr = NativeArrays.owned(manager, e.getValue(), p.getShape());
            (key.startsWith("m/") ? firstMoments : secondMoments).put(name, arr);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
