package io.flinkdistill.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel level is read from the flags as ONNX Runtime would pick it. */
class CpuFeaturesTest {
    @Test
    void shouldNameTheSaturatingKernelOnAvx2WithoutVnni() {
        CpuFeatures zen2 =
                CpuFeatures.parse(
                        List.of(
                                "processor\t: 0",
                                "model name\t: AMD EPYC 7B12",
                                "flags\t\t: fpu sse4_1 avx avx2 fma"),
                        "amd64");
        assertThat(zen2.model()).isEqualTo("AMD EPYC 7B12");
        assertThat(zen2.int8Kernel()).isEqualTo("avx2");
        assertThat(zen2.saturatingInt16Pairs()).isTrue();
        assertThat(zen2.describe()).contains("int16 pair sums");
    }

    @Test
    void shouldPreferVnniAndAmxAndKnowArm() {
        assertThat(
                        CpuFeatures.parse(List.of("flags : avx2 avx512bw avx512_vnni"), "amd64")
                                .int8Kernel())
                .isEqualTo("avx512-vnni");
        assertThat(
                        CpuFeatures.parse(
                                        List.of("flags : avx2 avx512bw avx512_vnni amx_int8"),
                                        "amd64")
                                .int8Kernel())
                .isEqualTo("amx");
        CpuFeatures arm = CpuFeatures.parse(List.of("Features : fp asimd asimddp"), "aarch64");
        assertThat(arm.int8Kernel()).isEqualTo("arm64-dotprod");
        assertThat(arm.saturatingInt16Pairs()).isFalse();
        assertThat(arm.model()).isEqualTo("aarch64");
    }
}
