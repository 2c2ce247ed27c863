package io.flinkdistill.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code --train} file where only some rows have a label (text-only lines are unlabelled inputs):
 * which rows the head is fitted on and which keep their label in the stream.
 */
class PartlyLabelledFileTest {

    @TempDir Path dir;

    @Test
    void onlyRowsWithALabelShouldKeepOneAndBeCountedAsLabelled() throws Exception {
        TsvDataset data = partlyLabelled();
        Predicate<TsvRow> kept = DemoCommand.labelKept(data, 0.5);

        List<TsvRow> keptRows = data.rows().stream().filter(kept).toList();
        assertThat(keptRows).allSatisfy(r -> assertThat(r.label()).isNotNull());
        assertThat(keptRows).hasSizeBetween(60, 140);
        assertThat(data.rows().stream().filter(DemoCommand.labelKept(data, 0)).count()).isZero();
    }

    @Test
    void theHeadShouldBeFittedOnLabelledRowsAndTheRowsAfterThemStreamed() throws Exception {
        List<TsvRow> rows = partlyLabelled().rows();
        DemoCommand.HeadSplit split = DemoCommand.headSplit(rows, 50);

        assertThat(split.head()).hasSize(50).allSatisfy(r -> assertThat(r.label()).isNotNull());
        assertThat(split.head())
                .containsExactlyElementsOf(
                        rows.stream().filter(r -> r.label() != null).limit(50).toList());
        // The stream starts after the 50th labelled row (the 99th row): labelled and unlabelled
        // rows alternate from its first row on, as in the rest of the file.
        assertThat(split.stream()).isEqualTo(rows.subList(99, rows.size()));
        // Never more than half the labelled rows: the stream keeps labels to learn from.
        assertThat(DemoCommand.headSplit(rows, 4000).head()).hasSize(100);
        // A file without labels gives no head rows and streams everything.
        List<TsvRow> unlabelled = rows.stream().filter(r -> r.label() == null).toList();
        assertThat(DemoCommand.headSplit(unlabelled, 50).head()).isEmpty();
        assertThat(DemoCommand.headSplit(unlabelled, 50).stream()).isEqualTo(unlabelled);
    }

    /** 200 labelled and 200 text-only rows, alternating. */
    private TsvDataset partlyLabelled() throws Exception {
        List<String> lines = new ArrayList<>(List.of("sentence\tlabel"));
        for (int i = 0; i < 200; i++) {
            lines.add("labelled review number " + i + "\t" + (i % 2));
            lines.add("unlabelled review number " + i);
        }
        Path file = dir.resolve("partly-labelled.tsv");
        Files.write(file, lines);
        return TsvDataset.read(file);
    }
}
