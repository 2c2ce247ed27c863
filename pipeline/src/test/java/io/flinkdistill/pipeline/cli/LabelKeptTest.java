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

/** Which streamed rows keep their gold label, on a file where only some rows have one. */
class LabelKeptTest {

    @TempDir Path dir;

    @Test
    void onlyRowsWithALabelShouldKeepOneAndBeCountedAsLabelled() throws Exception {
        List<String> lines = new ArrayList<>(List.of("sentence\tlabel"));
        for (int i = 0; i < 200; i++) {
            lines.add("labelled review number " + i + "\t" + (i % 2));
            lines.add("unlabelled review number " + i);
        }
        Path file = dir.resolve("partly-labelled.tsv");
        Files.write(file, lines);
        TsvDataset data = TsvDataset.read(file);
        Predicate<TsvRow> kept = DemoCommand.labelKept(data, 0.5);

        List<TsvRow> keptRows = data.rows().stream().filter(kept).toList();
        assertThat(keptRows).allSatisfy(r -> assertThat(r.label()).isNotNull());
        assertThat(keptRows).hasSizeBetween(60, 140);
        assertThat(data.rows().stream().filter(DemoCommand.labelKept(data, 0)).count()).isZero();
    }
}
