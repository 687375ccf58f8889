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
    /** How a call's thread count follows the number of calls running at once. */
    public enum Policy {
        /**
         * The default: calls running at once share the cores. A call gets
         * {@code count / callsInFlight} threads (rounded down to a power of two, at least 1), so N
         * request threads never start N full OpenMP teams on the same cores.
         */
        SHARE_CORES,
        /** Every call uses {@link #count()} threads, however many run at once. */
        FIXED
    }

    private static volatile int count = defaultCount();
    private static volatile Policy policy = Policy.SHARE_CORES;
    private static final java.util.concurrent.atomic.AtomicInteger IN_FLIGHT = new java.util.concurrent.atomic.AtomicInteger();
    private static final ThreadLocal<int[]> CREATING_WITH = ThreadLocal.withInitial(() -> new int[] {0});

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

    public static Policy policy() {
        return policy;
    }

    public static void setPolicy(Policy p) {
        policy = java.util.Objects.requireNonNull(p, "policy");
    }

    /** Starts a call: returns the thread count its primitives should have. Pair with {@link #exitCall()}. */
    public static int enterCall() {
        int n = IN_FLIGHT.incrementAndGet();
        int c = count;
        if (policy == Policy.FIXED || n <= 1) {
            return c;
        }
        return Integer.highestOneBit(Math.max(1, c / n));
    }

    public static void exitCall() {
        IN_FLIGHT.decrementAndGet();
    }

    /** Runs {@code create} so that primitives it creates get {@code threads} threads. */
    public static <T> T creatingWith(int threads, java.util.function.Supplier<T> create) {
        int[] slot = CREATING_WITH.get();
        int before = slot[0];
        slot[0] = threads;
        try {
            return create.get();
        } finally {
            slot[0] = before;
        }
    }

    /** True when the loaded oneDNN runs on OpenMP, whose thread count kdnn can set. */
    public static boolean controllable() {
        return NativeLibrary.load().cpuRuntime() == dnnl_h.DNNL_RUNTIME_OMP();
    }

    /** Makes the calling thread create primitives with the call's thread count (else {@link #count()}). */
    static void applyToCurrentThread() {
        if (controllable()) {
            int t = CREATING_WITH.get()[0];
            omp_h.omp_set_num_threads(t > 0 ? t : count);
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
