package io.flinkdistill.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.flinkdistill.loss.DistillationLoss;
import io.flinkdistill.loss.LossWeights;
import io.flinkdistill.sample.ScoredSample;
import io.flinkdistill.student.NativeArrays;
import io.flinkdistill.student.StudentModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The loss a batch of teacher-scored samples puts on the student: the soft term on logits (the
 * temperature-scaled KL, or the MSE of the logits, as {@link TrainerSettings#softLoss} says), the
 * MSE between projected student and teacher features, cross-entropy on gold labels, and, when the
 * teacher sent attention maps, the attention-transfer term, weighted and summed. Runs the student's
 * forward pass; call it inside the step's gradient collector, with the step's manager owning every
 * array.
 */
final class DistillationObjective {
    private final TrainerSettings settings;

    DistillationObjective(TrainerSettings settings) {
        this.settings = settings;
    }

    /** The weighted total and each unweighted term ({@code attention} null when not computed). */
    record Terms(NDArray total, NDArray soft, NDArray feature, NDArray hard, NDArray attention) {}

    Terms compute(
            NDManager step,
            StudentModel model,
            List<ScoredSample> batch,
            LossWeights w,
            float temperature) {
        int b = batch.size();
        int classes = settings.student().numClasses();
        int dim = settings.student().teacherDim();
        float[] tl = new float[b * classes];
        float[] tf = new float[b * dim];
        int[] labels = new int[b];
        List<int[]> tokens = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            ScoredSample s = batch.get(i);
            System.arraycopy(s.teacherLogits, 0, tl, i * classes, classes);
            System.arraycopy(s.teacherFeatures, 0, tf, i * dim, dim);
            labels[i] = s.label;
            tokens.add(s.tokens);
        }
        var out = model.forward(step, tokens, true);
        NDArray teacherLogits = NativeArrays.owned(step, tl, new Shape(b, classes));
        NDArray teacherFeatures = NativeArrays.owned(step, tf, new Shape(b, dim));
        NDArray rowWeights = lengthWeights(step, tokens);
        NDArray softLoss =
                settings.softLoss().of(out.logits(), teacherLogits, temperature, rowWeights);
        NDArray featureLoss =
                DistillationLoss.featureMse(out.projectedFeatures(), teacherFeatures, rowWeights);
        NDArray hardLoss = DistillationLoss.hardCrossEntropy(out.logits(), labels, rowWeights);
        NDArray loss =
                softLoss.mul(NativeArrays.scalar(softLoss, (float) w.soft()))
                        .add(featureLoss.mul(NativeArrays.scalar(featureLoss, (float) w.feature())))
                        .add(hardLoss.mul(NativeArrays.scalar(hardLoss, (float) w.hard())));
        NDArray attentionLoss = null;
        if (w.attention() > 0 && hasTeacherAttention(batch)) {
            attentionLoss = attentionLoss(step, out.attentionMaps(), batch);
            loss =
                    loss.add(
                            attentionLoss.mul(
                                    NativeArrays.scalar(attentionLoss, (float) w.attention())));
        }
        return new Terms(loss, softLoss, featureLoss, hardLoss, attentionLoss);
    }

    /**
     * Each row's weight {@code n^P} for a text of n tokens (up to the student's limit), normalised
     * to mean 1 over the batch; null when {@link TrainerSettings#lengthWeighting} is 0.
     */
    private NDArray lengthWeights(NDManager step, List<int[]> tokens) {
        double power = settings.lengthWeighting();
        if (power == 0) {
            return null;
        }
        float[] w = rowWeights(tokens, settings.student().maxTokens(), power);
        return NativeArrays.owned(step, w, new Shape(w.length));
    }

    /** The weights {@link #lengthWeights} uses, as numbers. */
    static float[] rowWeights(List<int[]> tokens, int maxTokens, double power) {
        float[] w = new float[tokens.size()];
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            int n = Math.max(1, Math.min(tokens.get(i).length, maxTokens));
            w[i] = (float) Math.pow(n, power);
            sum += w[i];
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (w[i] * w.length / sum);
        }
        return w;
    }

    private boolean hasTeacherAttention(List<ScoredSample> batch) {
        int expected = settings.student().layers();
        for (ScoredSample s : batch) {
            int n = s.tokens.length;
            if (s.teacherAttention == null || s.teacherAttention.length != expected * n * n) {
                return false;
            }
        }
        return true;
    }

    /**
     * The teacher's maps, cut to the student's token limit and zero-padded to the batch length,
     * against the student's; rows of padding tokens do not count.
     */
    private NDArray attentionLoss(
            NDManager step, List<NDArray> studentMaps, List<ScoredSample> batch) {
        int layers = studentMaps.size();
        int b = batch.size();
        int len = (int) studentMaps.get(0).getShape().get(1);
        float[] teacher = new float[layers * b * len * len];
        float[] rowMask = new float[b * len];
        float[] rowWeight = new float[b * len];
        int scale = settings.attentionLengthScale();
        for (int i = 0; i < b; i++) {
            ScoredSample s = batch.get(i);
            int n = s.tokens.length;
            int kept = Math.min(n, len);
            float weight = scale > 0 ? Math.min(1f, scale / (float) n) : 1f;
            for (int r = 0; r < kept; r++) {
                rowMask[i * len + r] = 1f;
                rowWeight[i * len + r] = weight;
            }
            for (int l = 0; l < layers; l++) {
                for (int r = 0; r < kept; r++) {
                    System.arraycopy(
                            s.teacherAttention,
                            l * n * n + r * n,
                            teacher,
                            ((l * b + i) * len + r) * len,
                            kept);
                }
            }
        }
        return DistillationLoss.attentionCosine(
                studentMaps,
                NativeArrays.owned(step, teacher, new Shape(layers, b, len, len)),
                NativeArrays.owned(step, rowMask, new Shape(b, len)),
                NativeArrays.owned(step, rowWeight, new Shape(b, len)));
    }
}
