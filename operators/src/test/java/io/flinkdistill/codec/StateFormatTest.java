package io.flinkdistill.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StateFormatTest {
    private static final StateFormat V3 = StateFormat.tagged("a test state", 0x54535454, 2, 3);

    @Test
    void shouldHandTheReaderTheVersionOfTheBytes() {
        byte[] v3 = V3.encode(out -> out.writeUTF("three"));
        byte[] v2 = StateFormat.tagged("a test state", 0x54535454, 2, 2).encode(out -> {});

        assertThat(V3.<String>decode(v3, (in, version) -> version + ":" + in.readUTF()))
                .isEqualTo("3:three");
        assertThat(V3.<Integer>decode(v2, (in, version) -> version)).isEqualTo(2);
    }

    @Test
    void shouldRefuseBytesOfAnotherFormatOrAnUnreadVersionNamingTheFormat() {
        byte[] other = StateFormat.tagged("another", 0x4f544852, 1, 1).encode(out -> {});
        byte[] older = StateFormat.tagged("a test state", 0x54535454, 1, 1).encode(out -> {});
        byte[] newer = StateFormat.tagged("a test state", 0x54535454, 4, 4).encode(out -> {});

        for (byte[] bytes : new byte[][] {other, older, newer}) {
            assertThatThrownBy(() -> V3.decode(bytes, (in, version) -> version))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not a test state")
                    .hasMessageContaining("2 to 3");
        }
    }

    @Test
    void shouldWriteAVersionOnlyHeaderAsTheFormatsBegunBeforeMagicNumbers() {
        StateFormat f = StateFormat.versionOnly("a plain state", 1, 7);

        byte[] bytes = f.encode(out -> out.writeInt(42));

        assertThat(Arrays.copyOf(bytes, 4)).containsExactly(0, 0, 0, 7);
        assertThat(f.<Integer>decode(bytes, (in, version) -> in.readInt())).isEqualTo(42);
    }

    @Test
    void shouldReportABodyCutShortAsCorruptNamingTheFormat() {
        byte[] whole = V3.encode(out -> out.writeLong(1L));
        byte[] cut = Arrays.copyOf(whole, whole.length - 3);

        assertThatThrownBy(() -> V3.decode(cut, (in, version) -> in.readLong()))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("corrupt a test state");
    }
}
