package kdnn.cli;

import static kdnn.bindings.dnnl_h.*;

import java.io.PrintStream;
import kdnn.runtime.NativeLibrary;
import kdnn.runtime.Threads;

/** {@code kdnn info}: what oneDNN kdnn runs on. */
final class Info {
    private Info() {
    }

    static int print(PrintStream out) {
        NativeLibrary.Loaded l = NativeLibrary.load();
        out.println("oneDNN version:   " + l.version() + (knownHash(l.hash()) ? " (commit " + l.hash() + ")" : ""));
        out.println("CPU ISA:          " + isaName(dnnl_get_effective_cpu_isa()));
        out.println("threading:        " + runtimeName(l.cpuRuntime()));
        out.println("threads:          " + Threads.count() + (Threads.controllable()
                ? " (OpenMP max on this thread: " + Threads.openMpMaxThreads() + ")" : ""));
        out.println("thread policy:    " + Threads.policy().name().toLowerCase(java.util.Locale.ROOT)
                + " (last-level cache " + (Threads.lastLevelCacheBytes() >> 20) + " MB)");
        out.println("library file:     " + l.file());
        return 0;
    }

    /** Release builds report their git commit as "N/A" (oneDNN's placeholder) or nothing. */
    static boolean knownHash(String hash) {
        return !hash.isBlank() && !hash.strip().equalsIgnoreCase("N/A");
    }

    static String runtimeName(int r) {
        if (r == DNNL_RUNTIME_OMP()) return "OpenMP";
        if (r == DNNL_RUNTIME_TBB()) return "TBB";
        if (r == DNNL_RUNTIME_SEQ()) return "sequential";
        if (r == DNNL_RUNTIME_THREADPOOL()) return "threadpool";
        return "unknown (" + r + ")";
    }

    static String isaName(int isa) {
        // the values are bit sets: newer ISAs contain the older ones, so test the largest first
        int[] values = {dnnl_cpu_isa_avx10_2_512_amx_2(), dnnl_cpu_isa_avx10_2_512(), dnnl_cpu_isa_avx512_core_amx_fp16(),
                dnnl_cpu_isa_avx512_core_amx(), dnnl_cpu_isa_avx512_core_fp16(), dnnl_cpu_isa_avx512_core_bf16(),
                dnnl_cpu_isa_avx512_core_vnni(), dnnl_cpu_isa_avx512_core(), dnnl_cpu_isa_avx2_vnni_2(),
                dnnl_cpu_isa_avx2_vnni(), dnnl_cpu_isa_avx2(), dnnl_cpu_isa_avx(), dnnl_cpu_isa_sse41()};
        String[] names = {"avx10_2_512_amx_2", "avx10_2_512", "avx512_core_amx_fp16", "avx512_core_amx",
                "avx512_core_fp16 (avx10_1_512)", "avx512_core_bf16", "avx512_core_vnni", "avx512_core", "avx2_vnni_2",
                "avx2_vnni", "avx2", "avx", "sse41"};
        for (int i = 0; i < values.length; i++) {
            if (isa == values[i]) return names[i];
        }
        return "isa " + isa;
    }
}
