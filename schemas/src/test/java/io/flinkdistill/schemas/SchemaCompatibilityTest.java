package io.flinkdistill.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every released version of every schema is kept under {@code released/<Name>/v<N>.avsc}, one file
 * per version that reached main, never edited ({@code released/SHA256SUMS} pins them). The current
 * schema must read records of every released version (new readers, old data: always), and every
 * released version must read records of the current schema (old readers, new data) unless the break
 * is listed below with its reason, and the listed breaks must really be breaks. A change to a
 * schema adds a new released file equal to it.
 */
class SchemaCompatibilityTest {
    private static final Path RELEASED = resourceDir("/released");

    /** Old readers that cannot read today's records, and why (checked to be incompatible). */
    private static final Map<String, String> KNOWN_FORWARD_BREAKS =
            Map.of(
                    "ControlCommand/v1",
                    "its ControlType enum has no REALIGN and no default symbol, so a v1 reader fails"
                            + " on a REALIGN command; v2 added UNKNOWN as the default so that later"
                            + " types degrade to UNKNOWN");

    static Stream<String> schemas() {
        return Stream.of(
                "TrainingSample", "DistillMetrics", "ControlCommand", "StudentModelPublished");
    }

    static Stream<Arguments> releasedVersions() throws IOException {
        List<Arguments> all = new ArrayList<>();
        for (String name : schemas().toList()) {
            for (Path v : versions(name)) {
                all.add(Arguments.of(name, v.getFileName().toString().replace(".avsc", "")));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} reads {1}")
    @MethodSource("releasedVersions")
    void shouldReadRecordsOfEveryReleasedVersion(String name, String version) throws IOException {
        Schema current = load("/avro/" + name + ".avsc");
        Schema old = parse(RELEASED.resolve(name).resolve(version + ".avsc"));
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, old).getType())
                .as("current %s reading records written with %s", name, version)
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{1} of {0} reads today's records")
    @MethodSource("releasedVersions")
    void shouldBeReadableByReadersOfEveryReleasedVersion(String name, String version)
            throws IOException {
        Schema current = load("/avro/" + name + ".avsc");
        Schema old = parse(RELEASED.resolve(name).resolve(version + ".avsc"));
        SchemaCompatibilityType expected =
                KNOWN_FORWARD_BREAKS.containsKey(name + "/" + version)
                        ? SchemaCompatibilityType.INCOMPATIBLE
                        : SchemaCompatibilityType.COMPATIBLE;
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(old, current).getType())
                .as(
                        "%s reader of %s reading current records (%s)",
                        version,
                        name,
                        KNOWN_FORWARD_BREAKS.getOrDefault(name + "/" + version, "no known break"))
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void shouldReleaseTheCurrentSchemaAsItsNewestVersion(String name) throws IOException {
        List<Path> versions = versions(name);
        assertThat(versions).as("released versions of %s", name).isNotEmpty();
        Schema newest = parse(versions.get(versions.size() - 1));
        assertThat(SchemaNormalization.toParsingForm(load("/avro/" + name + ".avsc")))
                .as(
                        "%s changed: add it as released/%s/v%d.avsc (never edit a released file)",
                        name, name, versions.size() + 1)
                .isEqualTo(SchemaNormalization.toParsingForm(newest));
    }

    @Test
    void shouldNeverEditAReleasedSchema() throws Exception {
        List<String> sums = Files.readAllLines(RELEASED.resolve("SHA256SUMS"));
        List<String> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(RELEASED)) {
            s.filter(p -> p.toString().endsWith(".avsc"))
                    .forEach(p -> files.add(RELEASED.relativize(p).toString()));
        }
        assertThat(sums).hasSize(files.size());
        for (String line : sums) {
            String[] parts = line.split("\\s+", 2);
            byte[] bytes = Files.readAllBytes(RELEASED.resolve(parts[1]));
            String sha =
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            assertThat(sha).as("released/%s was edited", parts[1]).isEqualTo(parts[0]);
        }
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void shouldDocumentEveryField(String name) throws IOException {
        Schema current = load("/avro/" + name + ".avsc");
        assertThat(current.getDoc()).as("doc of %s", name).isNotBlank();
        for (Schema.Field f : current.getFields()) {
            assertThat(f.doc()).as("doc of %s.%s", name, f.name()).isNotBlank();
        }
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void generatedClassShouldMatchTheSchemaFile(String name) throws Exception {
        Schema current = load("/avro/" + name + ".avsc");
        Schema generated =
                (Schema)
                        Class.forName("io.flinkdistill.schemas." + name)
                                .getField("SCHEMA$")
                                .get(null);
        // The generated class adds Java-only properties (string type); compare canonical forms.
        assertThat(SchemaNormalization.toParsingForm(generated))
                .isEqualTo(SchemaNormalization.toParsingForm(current));
    }

    private static List<Path> versions(String name) throws IOException {
        try (Stream<Path> s = Files.list(RELEASED.resolve(name))) {
            return s.filter(p -> p.getFileName().toString().matches("v\\d+\\.avsc"))
                    .sorted(
                            Comparator.comparingInt(
                                    p ->
                                            Integer.parseInt(
                                                    p.getFileName()
                                                            .toString()
                                                            .replaceAll("\\D", ""))))
                    .toList();
        }
    }

    private static Schema parse(Path file) throws IOException {
        return new Schema.Parser().parse(file.toFile());
    }

    private static Path resourceDir(String resource) {
        try {
            return Path.of(SchemaCompatibilityTest.class.getResource(resource).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("test resource " + resource + " missing", e);
        }
    }

    private static Schema load(String resource) throws IOException {
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(resource)) {
            assertThat(in).as("resource %s", resource).isNotNull();
            return new Schema.Parser().parse(in);
        }
    }
}
