package io.flinkdistill.pipeline.job;

import io.flinkdistill.reweight.DriftDetector;
import io.flinkdistill.reweight.InputDriftDetector;
import io.flinkdistill.reweight.LossPolicy;
import io.flinkdistill.training.Benchmarks;
import java.io.Serializable;

/**
 * How the job steers and measures its students: the loss reweighting policy, the drift margin, and
 * the named benchmark sets (and frozen student) measured with every record. Validated on
 * construction (option names in the messages).
 *
 * @param lossPolicy fixed, dwa or eval-guided
 * @param driftMargin drift when windowed agreement falls this far below its best (0: off)
 * @param benchmarks named sets with gold labels evaluated with every metrics record, and when the
 *     frozen copy of the student is taken
 * @param metricsEverySeconds a student that stepped since its last record is also evaluated after
 *     this long (slow streams); 0: by steps only
 * @param inputDriftThreshold the trainer's input-shift score that counts as label-free drift (0:
 *     off)
 */
public record Steering(
        String lossPolicy,
        double driftMargin,
        Benchmarks benchmarks,
        int metricsEverySeconds,
        double inputDriftThreshold)
        implements Serializable {

    /** Steering without label-free drift detection. */
    public Steering(
            String lossPolicy, double driftMargin, Benchmarks benchmarks, int metricsEverySeconds) {
        this(lossPolicy, driftMargin, benchmarks, metricsEverySeconds, 0);
    }

    /** Steering with timed records every 60 s. */
    public Steering(String lossPolicy, double driftMargin, Benchmarks benchmarks) {
        this(lossPolicy, driftMargin, benchmarks, 60);
    }

    /** Records seen before drift can be declared (and again after each drift). */
    public static final int DRIFT_MIN_RECORDS = 5;

    public Steering {
        if (metricsEverySeconds < 0) {
            throw new IllegalArgumentException(
                    "Invalid option --metrics-every-seconds: must be >= 0 (0: by steps only), got "
                            + metricsEverySeconds);
        }
        if (benchmarks == null) {
            benchmarks = Benchmarks.none();
        }
        LossPolicy.of(lossPolicy);
        new DriftDetector(driftMargin, DRIFT_MIN_RECORDS);
        new InputDriftDetector(inputDriftThreshold);
    }

    /** Fixed weights, drift at 5 points, no benchmark. */
    public static Steering defaults() {
        return new Steering("fixed", 0.05, Benchmarks.none());
    }

    public LossPolicy policy() {
        return LossPolicy.of(lossPolicy);
    }

    public DriftDetector drift() {
        return new DriftDetector(driftMargin, DRIFT_MIN_RECORDS);
    }

    public InputDriftDetector inputDrift() {
        return new InputDriftDetector(inputDriftThreshold);
    }

    /** Whether the job writes decisions to the control topic at all. */
    public boolean steers() {
        return !lossPolicy.equals("fixed") || driftMargin > 0 || inputDriftThreshold > 0;
    }
}
