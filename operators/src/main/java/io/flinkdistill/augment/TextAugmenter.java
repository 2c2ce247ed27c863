package io.flinkdistill.augment;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Cheap variants of a training text for the teacher to score, so that the student learns more from
 * every sample the stream brings (Tang et al. 2019, "Distilling Task-Specific Knowledge from BERT
 * into Simple Neural Networks", section 3.3, without its part-of-speech replacement): each word is
 * masked with {@code maskProbability}; then, with {@code ngramProbability}, the variant is cut to a
 * random run of {@code minNgram..maxNgram} words. Variants carry no label: only the teacher's
 * answer on them is learnt from.
 *
 * <p>Variants depend only on the sample's id and text, so a replay after a failure regenerates the
 * same ones (exactly-once holds for them too). Fewer than {@code copies} come out when variants
 * repeat each other or the text, or leave no word unmasked (a one-word text has none).
 *
 * @param copies variants per training sample (0: off)
 * @param maskToken what a masked word becomes: the teacher tokenizer's mask token
 */
public record TextAugmenter(
        int copies,
        double maskProbability,
        double ngramProbability,
        int minNgram,
        int maxNgram,
        String maskToken)
        implements Serializable {

    /** The mask token of BERT-vocabulary tokenizers (the shipped e5 and bge teachers). */
    public static final String BERT_MASK = "[MASK]";

    /** How an id of a variant is built from its sample's: {@code id + SEPARATOR + n}. */
    public static final String SEPARATOR = "~aug";

    public TextAugmenter {
        if (copies < 0) {
            throw new IllegalArgumentException("copies must be >= 0, got " + copies);
        }
        if (!(maskProbability >= 0 && maskProbability < 1)) {
            throw new IllegalArgumentException(
                    "mask probability must be in [0, 1), got " + maskProbability);
        }
        if (!(ngramProbability >= 0 && ngramProbability <= 1)) {
            throw new IllegalArgumentException(
                    "n-gram probability must be in [0, 1], got " + ngramProbability);
        }
        if (minNgram < 1 || maxNgram < minNgram) {
            throw new IllegalArgumentException(
                    "n-gram lengths must satisfy 1 <= min <= max, got "
                            + minNgram
                            + ", "
                            + maxNgram);
        }
        if (maskToken == null || maskToken.isBlank()) {
            throw new IllegalArgumentException("a mask token is needed");
        }
    }

    /** No augmentation. */
    public static TextAugmenter off() {
        return tang(0);
    }

    /** Tang et al.'s probabilities (mask 0.1, n-gram 0.25 of 2 to 6 words), {@code copies} each. */
    public static TextAugmenter tang(int copies) {
        return new TextAugmenter(copies, 0.1, 0.25, 2, 6, BERT_MASK);
    }

    public boolean active() {
        return copies > 0;
    }

    /** The id of the {@code n}-th variant (from 1) of the sample {@code id}. */
    public static String variantId(String id, int n) {
        return id + SEPARATOR + n;
    }

    /**
     * The variants of one sample, at most {@link #copies}, none equal to the text or each other.
     */
    public List<String> variants(String id, String text) {
        if (copies == 0 || text == null) {
            return List.of();
        }
        String[] words = text.trim().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            return List.of();
        }
        String original = String.join(" ", words);
        SplittableRandom random =
                new SplittableRandom(
                        UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8))
                                .getMostSignificantBits());
        Set<String> out = new LinkedHashSet<>();
        // A few more draws than copies, so that a repeat does not always cost a variant.
        for (int draw = 0; draw < 2 * copies && out.size() < copies; draw++) {
            String v = variant(words, random);
            if (v != null && !v.equals(original)) {
                out.add(v);
            }
        }
        return new ArrayList<>(out);
    }

    private String variant(String[] words, SplittableRandom random) {
        String[] v = Arrays.copyOf(words, words.length);
        for (int i = 0; i < v.length; i++) {
            if (random.nextDouble() < maskProbability) {
                v[i] = maskToken;
            }
        }
        int from = 0;
        int to = v.length;
        if (random.nextDouble() < ngramProbability && v.length > minNgram) {
            int n = minNgram + random.nextInt(Math.min(maxNgram, v.length) - minNgram + 1);
            from = random.nextInt(v.length - n + 1);
            to = from + n;
        }
        boolean anyWord = false;
        for (int i = from; i < to; i++) {
            anyWord |= !v[i].equals(maskToken);
        }
        return anyWord ? String.join(" ", Arrays.copyOfRange(v, from, to)) : null;
    }
}
