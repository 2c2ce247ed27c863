package io.flinkdistill.pipeline.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudentRoutingTest {

    @Test
    void shouldRouteByTheFirstMatchingPatternElseToTheDefaultStudent() {
        Map<String, List<String>> routes = new LinkedHashMap<>();
        routes.put("reviews", List.of("yelp*", "amazon-*-en"));
        routes.put("movies", List.of("sst2.tsv:*", "imdb"));
        StudentRouting r = new StudentRouting(routes, 2);
        assertThat(r.route("yelp-train.tsv:17", "student")).isEqualTo("reviews");
        assertThat(r.route("amazon-books-en", "student")).isEqualTo("reviews");
        assertThat(r.route("amazon-books-de", "student")).isEqualTo("student");
        assertThat(r.route("sst2.tsv:4", "student")).isEqualTo("movies");
        assertThat(r.route("imdb", "student")).isEqualTo("movies");
        assertThat(r.route("imdb2", "student")).isEqualTo("student");
        assertThat(r.route(null, "student")).isEqualTo("student");
        assertThat(r.students("student")).containsExactly("movies", "reviews", "student");
        assertThat(StudentRouting.matches("a*b*c", "abc")).isTrue();
        assertThat(StudentRouting.matches("a*b*c", "axxbyyc")).isTrue();
        assertThat(StudentRouting.matches("ab*ba", "aba")).isFalse();
        assertThat(StudentRouting.none().active()).isFalse();
    }

    @Test
    void shouldRefuseASourceRoutedTwiceABadNameOrNoSubtask() {
        assertThatThrownBy(
                        () -> new StudentRouting(Map.of("a", List.of("x"), "b", List.of("x")), 1))
                .hasMessageContaining("source 'x' is routed to");
        assertThatThrownBy(() -> new StudentRouting(Map.of("a b", List.of("x")), 1))
                .hasMessageContaining("student name 'a b'");
        assertThatThrownBy(() -> new StudentRouting(Map.of(), 0))
                .hasMessageContaining("trainer parallelism");
    }
}
