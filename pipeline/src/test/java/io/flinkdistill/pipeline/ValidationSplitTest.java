package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.pipeline.replay.ValidationSplit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Held-out sentences take their phrases (and the rows that contain them) out of training. */
class ValidationSplitTest {
    @Test
    void shouldHoldOutWholeSentencesWithEveryOverlappingTrainingRow() {
        TsvRow sentence = row(1, "The movie is a fine and moving film about grief .", "1");
        TsvRow phrase = row(2, "a fine and moving film", "1");
        TsvRow word = row(3, "grief", "0");
        TsvRow longer =
                row(4, "Honestly , the movie is a fine and moving film about grief . Go .", "1");
        TsvRow unrelated = row(5, "a dull script that never finds its footing in any scene", "0");
        TsvRow shortOne = row(6, "dull", "0");
        ValidationSplit.Split split =
                ValidationSplit.carve(
                        List.of(sentence, phrase, word, longer, unrelated, shortOne), 1);
        assertThat(split.validation()).containsExactly(sentence);
        assertThat(split.training()).containsExactly(unrelated, shortOne);
        assertThat(split.related()).isEqualTo(3);
    }

    @Test
    void shouldSkipFragmentsAndUnlabelledRowsWhenChoosingSentences() {
        TsvRow fragment = row(1, "too short to count", "1");
        TsvRow unlabelled = row(2, "a long enough sentence without any label at all here", null);
        TsvRow sentence = row(3, "a long enough sentence that has a label and counts", "0");
        ValidationSplit.Split split =
                ValidationSplit.carve(List.of(fragment, unlabelled, sentence), 5);
        assertThat(split.validation()).containsExactly(sentence);
        assertThat(split.training()).containsExactly(fragment, unlabelled);
    }

    private static TsvRow row(int line, String text, String label) {
        return new TsvRow(line, text, label);
    }
}
