package kdnn.runtime;

import kdnn.bindings.dnnl_h;
import kdnn.bindings.omp_h;

/**
 * The number of threads oneDNN primitives use. oneDNN fixes the count when a primitive is
 * CREATED (from the creating thread's OpenMP setting), so kdnn applies it on the creating
 * thread right before each primitive is made; primitives already made keep theirs, and layers
 * key their primitive caches by the count.
 */
public final class Threads {
    private static volatile int count = defaultCount();

    private Threads() {
    }

    /** The count new primitives get: {@code -Dkdnn.threads}, {@code KDNN_THREADS}, else the available cores. */
    public static int count() {
        return count;
    }

    /** Sets the count for primitives created from now on. */
    public static void setCount(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        count = threads;
    }

    /** True when the loaded oneDNN runs on OpenMP, whose thread count kdnn can set. */
    public static boolean controllable() {
        return NativeLibrary.load().cpuRuntime() == dnnl_h.DNNL_RUNTIME_OMP();
    }

    /** Makes the calling thread create primitives with {@link #count()} threads. */
    static void applyToCurrentThread() {
        if (controllable()) {
            omp_h.omp_set_num_threads(count);
        }
    }

    /** What OpenMP would give a parallel region started from this thread now. */
    public static int openMpMaxThreads() {
        return controllable() ? omp_h.omp_get_max_threads() : -1;
    }

    private static int defaultCount() {
        String s = System.getProperty("kdnn.threads");
        String from = "system property kdnn.threads";
        if (s == null || s.isBlank()) {
            s = System.getenv("KDNN_THREADS");
            from = "environment variable KDNN_THREADS";
        }
        if (s == null || s.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(from + " must be a whole number >= 1, got '" + s + "'");
    }
}
