package io.flinkdistill.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TsvDatasetTest {
    @TempDir Path dir;

    @Test
    void shouldSkipAHeaderAndKeepUnlabelledRows() throws Exception {
        Path f = dir.resolve("live.tsv");
        Files.writeString(
                f,
                "sentence\tlabel\ngood film\tpositive\njust text without a label\nbad film\tnegative\n\nmeh\tneutral\n");
        TsvDataset d = TsvDataset.read(f);
        assertThat(d.rows())
                .extracting(TsvRow::text)
                .containsExactly("good film", "just text without a label", "bad film", "meh");
        assertThat(d.rows().get(1).label()).isNull();
        assertThat(d.classes()).containsExactly("negative", "neutral", "positive");
        assertThat(d.idOf(d.rows().get(0))).isEqualTo("live:2");
    }

    @Test
    void shouldSortNumericClassesByValueAndTreatAFirstDataLineAsData() throws Exception {
        Path f = dir.resolve("numbers.tsv");
        Files.writeString(f, "fine\t10\nokay\t2\ngreat\t0\n");
        TsvDataset d = TsvDataset.read(f);
        assertThat(d.rows()).hasSize(3);
        assertThat(d.classes()).containsExactly("0", "2", "10");
    }

    @Test
    void shouldSkipAndNameMalformedLinesWithoutInventingAClass() throws Exception {
        Path f = dir.resolve("messy.tsv");
        Files.writeString(f, "good\t1\nbad\tlabel\textra\n\t1\nno label here\nfine\t0\n");
        TsvDataset d = TsvDataset.read(f);
        assertThat(d.rows())
                .extracting(TsvRow::text)
                .containsExactly("good", "no label here", "fine");
        assertThat(d.classes()).containsExactly("0", "1");
        assertThat(d.malformed())
                .containsExactly(
                        new TsvDataset.Malformed(
                                2, "3 columns (text<TAB>label expected; a tab inside the text?)"),
                        new TsvDataset.Malformed(3, "empty text"));
    }
}
