package io.flinkdistill.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TextAugmenterTest {
    private static final String TEXT =
            "a gorgeous , witty , seductive movie that never quite loses its way";

    @Test
    void shouldMakeTheSameDistinctVariantsForTheSameSample() {
        TextAugmenter a = TextAugmenter.tang(8);
        List<String> v = a.variants("s-1", TEXT);
        assertThat(v).hasSize(8).doesNotHaveDuplicates().doesNotContain(TEXT);
        assertThat(a.variants("s-1", TEXT)).as("a replay draws the same").isEqualTo(v);
        assertThat(a.variants("s-2", TEXT)).as("another sample draws others").isNotEqualTo(v);
        Set<String> words = new HashSet<>(Arrays.asList(TEXT.split(" ")));
        words.add(TextAugmenter.BERT_MASK);
        for (String variant : v) {
            String[] w = variant.split(" ");
            assertThat(words).as(variant).containsAll(Arrays.asList(w));
            assertThat(w).as("some word survives: %s", variant).anyMatch(words::contains);
        }
    }

    @Test
    void shouldMaskAboutTheAskedShareAndCutRunsOfTwoToSixWords() {
        TextAugmenter a = TextAugmenter.tang(1);
        int words = 0;
        int masked = 0;
        int cut = 0;
        int made = 0;
        int samples = 4000;
        int length = TEXT.split(" ").length;
        for (int i = 0; i < samples; i++) {
            for (String v : a.variants("id-" + i, TEXT)) {
                String[] w = v.split(" ");
                made++;
                if (w.length < length) {
                    cut++;
                    assertThat(w.length).isBetween(2, 6);
                } else {
                    words += w.length;
                    masked +=
                            (int) Arrays.stream(w).filter(TextAugmenter.BERT_MASK::equals).count();
                }
            }
        }
        // An uncut variant without a mask is the text itself and is drawn again: among the uncut
        // ones a word is masked with 0.1 / (1 - 0.9^13) = 0.134.
        double expected = 0.1 / (1 - Math.pow(0.9, length));
        assertThat(masked / (double) words)
                .isCloseTo(expected, org.assertj.core.data.Offset.offset(0.01));
        // Likewise a cut is drawn with 0.25, and 0.75 * 0.9^13 of the draws are the text itself.
        assertThat(cut / (double) made)
                .isCloseTo(
                        0.25 / (1 - 0.75 * Math.pow(0.9, length)),
                        org.assertj.core.data.Offset.offset(0.02));
    }

    @Test
    void shouldGiveNoneWhenOffOrWhenNothingButMasksWouldRemain() {
        assertThat(TextAugmenter.off().variants("s", TEXT)).isEmpty();
        assertThat(TextAugmenter.off().active()).isFalse();
        TextAugmenter everyWord = new TextAugmenter(4, 0.99, 0, 2, 6, "[MASK]");
        assertThat(everyWord.variants("s", "one")).isEmpty();
        assertThat(TextAugmenter.tang(3).variants("s", "  ")).isEmpty();
        assertThat(TextAugmenter.variantId("s-1", 2)).isEqualTo("s-1~aug2");
        assertThatThrownBy(() -> new TextAugmenter(1, 1.0, 0, 2, 6, "[MASK]"))
                .hasMessageContaining("mask probability");
        assertThatThrownBy(() -> new TextAugmenter(1, 0.1, 0, 3, 2, "[MASK]"))
                .hasMessageContaining("n-gram");
    }
}
