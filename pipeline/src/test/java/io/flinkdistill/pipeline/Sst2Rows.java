package io.flinkdistill.pipeline;

import io.flinkdistill.pipeline.cli.HeadTraining;
import io.flinkdistill.pipeline.replay.TsvDataset;
import io.flinkdistill.pipeline.replay.TsvRow;
import io.flinkdistill.teacher.LinearHead;
import io.flinkdistill.teacher.ShippedEncoder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The pipeline tests' data: the SST-2 training rows the tests ship, copied to a file (the ids name
 * it), shuffled by a seed; the first rows fit the teacher's head, the ones after them stream.
 *
 * @param data the file as a dataset (ids, classes)
 * @param rows its rows, shuffled
 */
record Sst2Rows(TsvDataset data, List<TsvRow> rows) {

    /**
     * Copies the shipped SST-2 training rows to {@code file} and shuffles them with {@code seed}.
     */
    static Sst2Rows shuffled(Path file, long seed) throws Exception {
        try (InputStream in = Sst2Rows.class.getResourceAsStream("/data/sst2/train.tsv")) {
            Files.copy(in, file);
        }
        TsvDataset data = TsvDataset.read(file);
        List<TsvRow> rows = new ArrayList<>(data.rows());
        Collections.shuffle(rows, new Random(seed));
        return new Sst2Rows(data, rows);
    }

    /**
     * A head for the teacher fitted on the first {@code headRows} rows (64 per batch, 2 epochs).
     */
    LinearHead head(ShippedEncoder teacher, int headRows) throws Exception {
        return HeadTraining.fit(teacher, rows.subList(0, headRows), data.classes(), 64, 2);
    }

    /** The {@code count} rows after the first {@code skip}. */
    List<TsvRow> after(int skip, int count) {
        return rows.subList(skip, skip + count);
    }
}
