package io.flinkdistill.pipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --json FILE} of the benchmarks (a mixin): the figures also go to this file. */
final class JsonOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json", description = "Also write the figures to this JSON file.")
    Path json;

    /** Whether a file was asked for (build the figures only then). */
    boolean wanted() {
        return json != null;
    }

    /** Writes the figures, pretty-printed, when a file was asked for. */
    void write(JsonNode figures) throws IOException {
        if (json != null) {
            JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), figures);
        }
    }
}
