package io.flinkdistill.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class LengthBreakdownTest {

    @Test
    void shouldSplitTheFiguresByWordsWithAnOpenLastRange() {
        String ten = "one two three four five six seven eight nine ten";
        String eleven = ten + " eleven";
        String twentyOne = ten + " " + ten + "  last";
        List<String> texts = List.of("good", ten, eleven, eleven, twentyOne);
        int[] gold = {1, 0, 1, 0, 1};
        int[] teacher = {1, 0, 1, 1, 1};
        int[] student = {0, 0, 1, 0, 1};
        LengthBreakdown b = LengthBreakdown.of(texts, gold, teacher, student);

        assertThat(b.buckets())
                .extracting(LengthBreakdown.Bucket::words)
                .containsExactly("1-10", "11-20", "21+")
                .isEqualTo(LengthBreakdown.labels());
        // 1-10: "good" (teacher right, student wrong, disagree) and ten (all right, agree).
        assertThat(b.buckets().get(0))
                .isEqualTo(new LengthBreakdown.Bucket("1-10", 2, 1.0, 0.5, 0.5));
        // 11-20: both eleven-word texts; the teacher is wrong on the second, the student right.
        assertThat(b.buckets().get(1))
                .isEqualTo(new LengthBreakdown.Bucket("11-20", 2, 0.5, 1.0, 0.5));
        assertThat(b.buckets().get(2))
                .isEqualTo(new LengthBreakdown.Bucket("21+", 1, 1.0, 1.0, 1.0));
        assertThat(LengthBreakdown.words("  spaced   out\ttext ")).isEqualTo(3);
        assertThat(LengthBreakdown.words("   ")).isZero();
    }

    @Test
    void shouldKeepAnEmptyRangeWithItsSizeOnly() {
        LengthBreakdown b =
                LengthBreakdown.of(
                        List.of("short one"), new int[] {1}, new int[] {1}, new int[] {0});
        ObjectNode json = new ObjectMapper().createObjectNode();
        b.writeTo(json);
        assertThat(json.get("1-10").get("agreement").asDouble()).isZero();
        assertThat(json.get("21+").get("size").asInt()).isZero();
        assertThat(json.get("21+").has("agreement")).isFalse();
    }
}
