package io.flinkdistill.pipeline.cli;

import io.flinkdistill.publish.Pruning;
import io.flinkdistill.publish.PublishSettings;
import picocli.CommandLine.Option;

/**
 * The publish stage's options (a mixin of the job options): the model store, the promotion gate and
 * the pruning of published students; validated at start-up, naming the option.
 */
final class PublishOptions {
    @Option(
            names = "--model-store",
            description =
                    "Where student versions are published as ONNX (any Flink FileSystem URI); none when absent (demo: DIR/models).")
    String modelStore;

    @Option(
            names = "--publish-margin",
            defaultValue = "0.01",
            description =
                    "A version is published when its eval agreement beats the last published one by this much; -1 publishes every evaluation (default: ${DEFAULT-VALUE}).")
    double publishMargin;

    @Option(
            names = "--publish-min-eval",
            defaultValue = "100",
            description =
                    "Eval samples a version must be measured on before it can be published (default: ${DEFAULT-VALUE}).")
    int publishMinEval;

    @Option(
            names = "--prune-threshold",
            defaultValue = "auto",
            description =
                    "FFN pruning of published students: auto (prune as far as the eval window's agreement stays within --prune-max-agreement-loss of the unpruned file), off, or a fixed threshold on a neuron's mean absolute incoming weight (default: ${DEFAULT-VALUE}).")
    String pruneThreshold;

    @Option(
            names = "--prune-max-agreement-loss",
            defaultValue = "0.5",
            description =
                    "With --prune-threshold auto: percentage points of eval-window agreement with the teacher a pruned student may lose against the unpruned one (default: ${DEFAULT-VALUE}).")
    double pruneMaxAgreementLoss;

    /** The pruning the options ask for (valid after {@link #validate()}). */
    Pruning pruning() {
        if (pruneThreshold.equals("auto")) {
            return Pruning.auto(pruneMaxAgreementLoss / 100);
        }
        if (pruneThreshold.equals("off")) {
            return Pruning.off();
        }
        return Pruning.fixed(Double.parseDouble(pruneThreshold));
    }

    /** Checks every option; the exception names the option and what is allowed. */
    void validate() {
        if (!(publishMargin >= -1 && publishMargin < 1)) {
            throw new JobOptions.OptionException(
                    "--publish-margin", "must be in [-1, 1), got " + publishMargin);
        }
        if (publishMinEval < 1) {
            throw new JobOptions.OptionException(
                    "--publish-min-eval", "must be > 0, got " + publishMinEval);
        }
        if (!pruneThreshold.equals("auto") && !pruneThreshold.equals("off")) {
            double t;
            try {
                t = Double.parseDouble(pruneThreshold);
            } catch (NumberFormatException e) {
                t = Double.NaN;
            }
            if (!(t >= 0) || Double.isInfinite(t)) {
                throw new JobOptions.OptionException(
                        "--prune-threshold",
                        "must be auto, off or a threshold >= 0, got '" + pruneThreshold + "'");
            }
        }
        if (!(pruneMaxAgreementLoss >= 0 && pruneMaxAgreementLoss < 100)) {
            throw new JobOptions.OptionException(
                    "--prune-max-agreement-loss",
                    "must be in [0, 100) percentage points, got " + pruneMaxAgreementLoss);
        }
        if (modelStore != null) {
            java.net.URI uri;
            try {
                uri = new org.apache.flink.core.fs.Path(modelStore).toUri();
            } catch (IllegalArgumentException e) {
                throw new JobOptions.OptionException(
                        "--model-store", "is not a valid URI: '" + modelStore + "'");
            }
            try {
                org.apache.flink.core.fs.FileSystem.get(uri);
            } catch (org.apache.flink.core.fs.UnsupportedFileSystemSchemeException e) {
                // Otherwise every publication would fail in the running job (counted, logged).
                throw new JobOptions.OptionException(
                        "--model-store",
                        "no Flink file system for scheme '"
                                + uri.getScheme()
                                + "' (is its plugin installed?): "
                                + modelStore);
            } catch (java.io.IOException e) {
                // Reachability is the job's business: publish failures are counted, not fatal.
            }
        }
    }

    /** The publish stage's settings (valid after {@link #validate()}). */
    PublishSettings settings() {
        return new PublishSettings(modelStore, publishMargin, publishMinEval, pruning());
    }
}
