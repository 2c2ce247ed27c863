package io.flinkdistill.serving;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CPU an INT8 figure was measured on, named by the instruction set ONNX Runtime's integer
 * matmul picks on it: a reader of an INT8 latency or accuracy needs to know which kernel produced
 * it (on x86-64 AVX2 without VNNI the kernel adds products in saturating int16 pairs; with VNNI,
 * AMX or on ARM64 it accumulates in int32). Read from {@code /proc/cpuinfo}; elsewhere only the
 * architecture is known.
 *
 * @param model the CPU's model name, or the architecture when unknown
 * @param arch {@code os.arch}
 * @param int8Kernel the best integer dot-product level: {@code amx}, {@code avx512-vnni}, {@code
 *     avx-vnni}, {@code avx512bw}, {@code avx2}, {@code sse4.1}, {@code arm64-dotprod}, {@code
 *     arm64-i8mm}, {@code arm64-neon} or {@code unknown}
 */
public record CpuFeatures(String model, String arch, String int8Kernel) {

    /** This machine. */
    public static CpuFeatures detect() {
        String arch = System.getProperty("os.arch", "unknown");
        try {
            return parse(Files.readAllLines(Path.of("/proc/cpuinfo")), arch);
        } catch (IOException | RuntimeException e) {
            return new CpuFeatures(arch, arch, "unknown");
        }
    }

    /** From the lines of a {@code /proc/cpuinfo} (first processor only; cores are alike). */
    public static CpuFeatures parse(List<String> cpuinfo, String arch) {
        String model = arch;
        Set<String> flags = Set.of();
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (model.equals(arch) && (key.equals("model name") || key.equals("cpu model"))) {
                model = value;
            } else if (flags.isEmpty() && (key.equals("flags") || key.equals("features"))) {
                flags = Arrays.stream(value.split("\\s+")).collect(Collectors.toSet());
            }
        }
        return new CpuFeatures(model, arch, kernel(flags));
    }

    private static String kernel(Set<String> f) {
        if (f.contains("amx_int8")) {
            return "amx";
        }
        if (f.contains("avx512_vnni")) {
            return "avx512-vnni";
        }
        if (f.contains("avx_vnni")) {
            return "avx-vnni";
        }
        if (f.contains("avx512bw")) {
            return "avx512bw";
        }
        if (f.contains("avx2")) {
            return "avx2";
        }
        if (f.contains("sse4_1")) {
            return "sse4.1";
        }
        if (f.contains("i8mm")) {
            return "arm64-i8mm";
        }
        if (f.contains("asimddp")) {
            return "arm64-dotprod";
        }
        if (f.contains("asimd")) {
            return "arm64-neon";
        }
        return "unknown";
    }

    /**
     * Whether ONNX Runtime's U8S8 kernel on this CPU adds uint8 x int8 products in saturating int16
     * pairs ({@code vpmaddubsw}); the exported students stay exact there because their weights are
     * 7-bit.
     */
    public boolean saturatingInt16Pairs() {
        return int8Kernel.equals("avx2") || int8Kernel.equals("avx512bw");
    }

    /** One line for reports: model, kernel and whether pairs saturate. */
    public String describe() {
        return model
                + " ("
                + arch
                + ", int8 kernel "
                + int8Kernel
                + (saturatingInt16Pairs() ? ", int16 pair sums" : ", int32 accumulation")
                + ")";
    }
}
