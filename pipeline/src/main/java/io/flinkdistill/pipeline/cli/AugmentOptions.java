package io.flinkdistill.pipeline.cli;

import io.flinkdistill.augment.TextAugmenter;
import picocli.CommandLine.Option;

/**
 * Variants of each training sample for the teacher to score (a mixin of the job options); validated
 * at start-up, naming the option.
 */
final class AugmentOptions {
    @Option(
            names = "--augment-copies",
            defaultValue = "0",
            description =
                    "Variants of each unlabelled or labelled training sample the teacher scores and"
                            + " the student trains on (masked words, a run of words), so the"
                            + " student learns more from every sample: K+1 teacher calls per"
                            + " sample; counted as samples_augmented (default: ${DEFAULT-VALUE},"
                            + " off).")
    int copies;

    @Option(
            names = "--augment-mask-probability",
            defaultValue = "0.1",
            description = "Chance that a word of a variant is masked (default: ${DEFAULT-VALUE}).")
    double maskProbability;

    @Option(
            names = "--augment-ngram-probability",
            defaultValue = "0.25",
            description =
                    "Chance that a variant is cut to a run of 2 to 6 of its words (default:"
                            + " ${DEFAULT-VALUE}).")
    double ngramProbability;

    @Option(
            names = "--augment-mask-token",
            defaultValue = TextAugmenter.BERT_MASK,
            description =
                    "What a masked word becomes: the teacher tokenizer's mask token (default:"
                            + " ${DEFAULT-VALUE}, as in the shipped e5 and bge teachers).")
    String maskToken;

    /** The augmenter these options give; an error names the option. */
    TextAugmenter settings() {
        if (copies < 0 || copies > 64) {
            throw new JobOptions.OptionException(
                    "--augment-copies", "must be in [0, 64], got " + copies);
        }
        if (!(maskProbability >= 0 && maskProbability < 1)) {
            throw new JobOptions.OptionException(
                    "--augment-mask-probability", "must be in [0, 1), got " + maskProbability);
        }
        if (!(ngramProbability >= 0 && ngramProbability <= 1)) {
            throw new JobOptions.OptionException(
                    "--augment-ngram-probability", "must be in [0, 1], got " + ngramProbability);
        }
        if (maskToken == null || maskToken.isBlank()) {
            throw new JobOptions.OptionException("--augment-mask-token", "must not be blank");
        }
        return new TextAugmenter(copies, maskProbability, ngramProbability, 2, 6, maskToken);
    }
}
