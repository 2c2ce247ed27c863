package io.flinkdistill.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schema must stay compatible with the committed copy of its previous version in both
 * directions: new readers read old records, and old readers read new records. When a schema changes
 * on purpose, the change must be compatible and the copy under previous/ updated.
 */
class SchemaCompatibilityTest {

    static Stream<String> schemas() {
        return Stream.of(
                "TrainingSample", "DistillMetrics", "ControlCommand", "StudentModelPublished");
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void shouldReadRecordsWrittenWithThePreviousVersion(String name) throws IOException {
        Schema current = load("/avro/" + name + ".avsc");
        Schema previous = load("/previous/" + name + ".avsc");
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, previous).getType())
                .as("current %s reading records of the previous version", name)
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void shouldBeReadableByReadersOfThePreviousVersion(String name) throws IOException {
        Schema current = load("/avro/" + name + ".avsc");
        Schema previous = load("/previous/" + name + ".avsc");
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(previous, current).getType())
                .as("previous %s reading records of the current version", name)
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
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

    private static Schema load(String resource) throws IOException {
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(resource)) {
            assertThat(in).as("resource %s", resource).isNotNull();
            return new Schema.Parser().parse(in);
        }
    }
}
