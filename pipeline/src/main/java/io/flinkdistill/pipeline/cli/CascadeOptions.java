package io.flinkdistill.pipeline.cli;

import io.flinkdistill.evaluation.DeferralCurve;
import io.flinkdistill.serving.Cascade;
import picocli.CommandLine.Option;

/** How a cascade picks its threshold: a target on the published curve, or a fixed threshold. */
public class CascadeOptions {
    @Option(
            names = "--target-agreement",
            description =
                    "Pick, for each version, the least deferral whose agreement with the teacher on the version's eval window reaches this (see --target-confidence) (default 0.97 when no other choice is given).")
    Double targetAgreement;

    @Option(
            names = "--target-confidence",
            description =
                    "How sure the pick must be that the target agreement holds on other queries than the curve's: a point counts only when the lower bound of its agreement at this confidence (one-sided Wilson, over the queries the curve was measured on) reaches the target; 0.5 takes the curve as measured (default ${DEFAULT-VALUE}).",
            defaultValue = "0.95")
    double targetConfidence;

    @Option(
            names = "--max-deferral",
            description =
                    "Pick, for each version, the best agreement that defers at most this share of queries.")
    Double maxDeferral;

    @Option(
            names = "--curve-from",
            description =
                    "Pick from the curve published on this benchmark set of the job (--benchmark NAME=FILE) instead of the eval window's: a labelled set that looks like the served traffic.")
    String curveFrom;

    @Option(
            names = "--threshold",
            description =
                    "A fixed margin threshold: queries whose top-two probability margin is below it go to the teacher.")
    Double threshold;

    /** The policy these options give; an error names the option. */
    public Cascade.Policy policy() {
        int given =
                (targetAgreement != null ? 1 : 0)
                        + (maxDeferral != null ? 1 : 0)
                        + (threshold != null ? 1 : 0);
        if (given > 1) {
            throw new JobOptions.OptionException(
                    "--target-agreement",
                    "give one of --target-agreement, --max-deferral and --threshold");
        }
        if (threshold != null) {
            if (!(threshold >= 0 && threshold <= 1.01)) {
                throw new JobOptions.OptionException(
                        "--threshold", "must be in [0, 1.01] (1.01: the teacher answers all)");
            }
            if (curveFrom != null) {
                throw new JobOptions.OptionException(
                        "--curve-from", "picks a threshold from a curve; not with --threshold");
            }
            return new Cascade.Policy.Fixed(threshold);
        }
        if (maxDeferral != null) {
            if (!(maxDeferral >= 0 && maxDeferral <= 1)) {
                throw new JobOptions.OptionException("--max-deferral", "must be in [0, 1]");
            }
            return new Cascade.Policy.FromCurve(
                    new DeferralCurve.Target.MaxDeferral(maxDeferral), curveFrom);
        }
        double a = targetAgreement == null ? 0.97 : targetAgreement;
        if (!(a > 0 && a <= 1)) {
            throw new JobOptions.OptionException("--target-agreement", "must be in (0, 1]");
        }
        if (!(targetConfidence >= 0.5 && targetConfidence < 1)) {
            throw new JobOptions.OptionException("--target-confidence", "must be in [0.5, 1)");
        }
        return new Cascade.Policy.FromCurve(
                new DeferralCurve.Target.Agreement(a, targetConfidence), curveFrom);
    }
}
