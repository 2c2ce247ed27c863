package io.flinkdistill.publish;

import io.flinkdistill.export.FfnPruning;
import io.flinkdistill.export.StudentExporter;
import io.flinkdistill.export.StudentOnnxExport;
import io.flinkdistill.provenance.Provenance;
import io.flinkdistill.student.StudentConfig;
import java.io.Serializable;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * How far a published student's FFN is pruned ({@link FfnPruning}). {@code auto} (the default)
 * decides per student version: it exports the student unpruned and at rising thresholds, measures
 * each exported file on the eval window, and keeps the highest threshold whose agreement with the
 * teacher stays within {@code maxAgreementLoss} of the unpruned file's; {@code fixed} prunes at one
 * threshold whatever it costs; {@code off} publishes what was trained. A threshold that suits one
 * task can cost another points, so only the eval window can say how far is safe.
 *
 * @param mode off, fixed or auto
 * @param threshold the fixed threshold (fixed only)
 * @param maxAgreementLoss agreement the pruned file may lose against the unpruned one, as a
 *     fraction (auto only)
 */
public record Pruning(Mode mode, double threshold, double maxAgreementLoss)
        implements Serializable {

    public enum Mode {
        OFF,
        FIXED,
        AUTO
    }

    /** Thresholds {@code auto} tries, in rising order (mean |incoming weight| of a neuron). */
    static final double[] GRID = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10};

    public Pruning {
        if (mode == null) {
            throw new IllegalArgumentException("pruning mode is missing");
        }
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("prune threshold must be >= 0, got " + threshold);
        }
        if (!(maxAgreementLoss >= 0 && maxAgreementLoss < 1)) {
            throw new IllegalArgumentException(
                    "prune max agreement loss must be in [0, 1), got " + maxAgreementLoss);
        }
    }

    public static Pruning off() {
        return new Pruning(Mode.OFF, 0, 0);
    }

    public static Pruning fixed(double threshold) {
        return threshold == 0 ? off() : new Pruning(Mode.FIXED, threshold, 0);
    }

    public static Pruning auto(double maxAgreementLoss) {
        return new Pruning(Mode.AUTO, 0, maxAgreementLoss);
    }

    /**
     * What was decided for one student version: the threshold, the FFN neurons kept (of {@code
     * original}), the eval-window agreement of the unpruned and of the chosen file (NaN when not
     * measured), and the chosen file itself in fp32.
     */
    public record Choice(
            double threshold,
            int kept,
            int original,
            double unprunedAgreement,
            double agreement,
            byte[] fp32) {}

    /**
     * Decides for one student version. {@code agreementOf} measures an fp32 ONNX file on the eval
     * window, or is null when there is no window: then {@code auto} does not prune, since nothing
     * can show that pruning is safe.
     */
    public Choice choose(
            StudentConfig config,
            Map<String, float[]> weights,
            Provenance provenance,
            ToDoubleFunction<byte[]> agreementOf) {
        int original = config.ffn() * config.layers();
        byte[] unpruned =
                StudentExporter.export(
                        config, weights, provenance, StudentOnnxExport.Precision.FP32);
        double base = agreementOf == null ? Double.NaN : agreementOf.applyAsDouble(unpruned);
        if (mode == Mode.OFF || (mode == Mode.AUTO && agreementOf == null)) {
            return new Choice(0, original, original, base, base, unpruned);
        }
        if (mode == Mode.FIXED) {
            byte[] file = exportAt(config, weights, provenance, threshold);
            double a = agreementOf == null ? Double.NaN : agreementOf.applyAsDouble(file);
            return new Choice(threshold, kept(config, weights, threshold), original, base, a, file);
        }
        Choice best = new Choice(0, original, original, base, base, unpruned);
        for (double t : GRID) {
            int kept = kept(config, weights, t);
            if (kept == best.kept()) {
                continue; // the same neurons as the last choice: the same file
            }
            byte[] file = exportAt(config, weights, provenance, t);
            double a = agreementOf.applyAsDouble(file);
            if (a < base - maxAgreementLoss - 1e-12) {
                break;
            }
            best = new Choice(t, kept, original, base, a, file);
        }
        return best;
    }

    private static byte[] exportAt(
            StudentConfig config,
            Map<String, float[]> weights,
            Provenance provenance,
            double threshold) {
        return StudentExporter.export(
                config, weights, provenance, StudentOnnxExport.Precision.FP32, threshold);
    }

    private static int kept(StudentConfig config, Map<String, float[]> weights, double threshold) {
        int total = 0;
        for (int k : FfnPruning.prune(config, weights, threshold).kept()) {
            total += k;
        }
        return total;
    }

    /** How the option spells it: {@code off}, a threshold, or {@code auto}. */
    public String describe() {
        return switch (mode) {
            case OFF -> "off";
            case FIXED -> Double.toString(threshold);
            case AUTO -> "auto (agreement loss <= " + maxAgreementLoss + ")";
        };
    }
}
