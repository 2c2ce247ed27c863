package io.flinkdistill.pipeline.replay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The data sets shipped in the jar ({@code /data/<set>/<file>}), read through a temporary copy. */
public final class BundledData {
    private BundledData() {}

    /** E.g. {@code read("sst2", "test.tsv")} or {@code read("yelp", "test.tsv")}. */
    public static TsvDataset read(String set, String file) throws IOException {
        Path copy = Files.createTempFile(set + "-" + file, ".tsv");
        try (InputStream in = BundledData.class.getResourceAsStream("/data/" + set + "/" + file)) {
            if (in == null) {
                throw new IOException("no bundled data set /data/" + set + "/" + file);
            }
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return TsvDataset.read(copy);
        } finally {
            Files.deleteIfExists(copy);
        }
    }
}
