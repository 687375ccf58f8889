package kdnn.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The largest |x| over float32 values, NaN when one is NaN: the input check of
 * {@code ExtremeValues.KERAS}. Large inputs are split over the OpenMP team oneDNN itself runs on
 * (libgomp's {@code GOMP_parallel}, each part an upcall into Java), so the check uses the cores
 * the convolution after it uses, on threads that are already awake, instead of one core while
 * the others spin. Without libgomp (a oneDNN built with another runtime) it runs on the caller.
 */
public final class MagnitudeScan {
    /** What a trace calls a scan ({@link ExecutionTrace.Step#kind()} starts with it). */
    public static final String TRACE_STEP = "input scan for NaN and infinities";
    /** Below this many values one thread scans: waking a team costs more than it saves. */
    static final long PARALLEL_FROM = 64 * 1024;
    private static final int MAX_PARTS = 64;
    /** Values per call of the scanning loop (see {@link #maxBits}). */
    static final int CHUNK = 16 * 1024;
    // per-thread job block: address, count, the team's size, then one result per part
    private static final long ADDRESS = 0, COUNT = 8, TEAM = 16, RESULTS = 20;
    private static final long BLOCK_BYTES = RESULTS + 4L * MAX_PARTS;

    private static final MemorySegment PART = OpenMp.upcall(java.lang.invoke.MethodHandles.lookup(), "part");
    private static final MethodHandle GOMP_PARALLEL = PART == null ? null : OpenMp.PARALLEL;
    private static final MethodHandle THREAD_NUM = OpenMp.THREAD_NUM;
    private static final MethodHandle NUM_THREADS = OpenMp.NUM_THREADS;
    private static final ThreadLocal<MemorySegment> BLOCK =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BLOCK_BYTES, 64));

    private MagnitudeScan() {
    }

    /** True when large scans run on the OpenMP team (libgomp found), false when on the caller alone. */
    static boolean onTeam() {
        return GOMP_PARALLEL != null;
    }

    /** The largest |x| over {@code values} (float32), NaN when one is NaN, using up to {@code threads} threads. */
    public static float maxMagnitude(MemorySegment values, int threads) {
        ExecutionTrace.javaStep(TRACE_STEP, values);
        long n = values.byteSize() / Float.BYTES;
        if (threads <= 1 || n < PARALLEL_FROM || GOMP_PARALLEL == null || !values.isNative()) {
            return Float.intBitsToFloat(maxBits(values, 0, n));
        }
        int parts = Math.min(threads, MAX_PARTS);
        MemorySegment block = BLOCK.get();
        block.set(ValueLayout.JAVA_LONG, ADDRESS, values.address());
        block.set(ValueLayout.JAVA_LONG, COUNT, n);
        block.set(ValueLayout.JAVA_INT, TEAM, parts);
        // a part that never ran (a smaller team) or failed reads as NaN: unknown, so the caller
        // takes the exact (slow) path rather than trust a partial scan
        for (int i = 0; i < parts; i++) block.setAtIndex(ValueLayout.JAVA_INT, RESULTS / 4 + i, 0x7fffffff);
        Threads.startingTeam();
        try {
            GOMP_PARALLEL.invokeExact(PART, block, parts, 0);
        } catch (Throwable e) {
            return Float.intBitsToFloat(maxBits(values, 0, n));
        }
        int max = 0;
        int team = Math.min(parts, Math.max(1, block.get(ValueLayout.JAVA_INT, TEAM)));
        for (int i = 0; i < team; i++) max = Math.max(max, block.getAtIndex(ValueLayout.JAVA_INT, RESULTS / 4 + i));
        return Float.intBitsToFloat(max);
    }

    /** One team thread's share; runs on OpenMP's threads, so it must never throw. */
    private static void part(MemorySegment data) {
        try {
            MemorySegment block = data.reinterpret(BLOCK_BYTES);
            int t = (int) THREAD_NUM.invokeExact();
            int team = (int) NUM_THREADS.invokeExact();
            if (t >= MAX_PARTS) return;
            if (t == 0) block.set(ValueLayout.JAVA_INT, TEAM, Math.min(team, MAX_PARTS));
            long n = block.get(ValueLayout.JAVA_LONG, COUNT);
            MemorySegment values = MemorySegment.ofAddress(block.get(ValueLayout.JAVA_LONG, ADDRESS))
                    .reinterpret(n * Float.BYTES);
            // whole cache lines per part
            long share = (n + (long) team * 16 - 1) / ((long) team * 16) * 16;
            long from = Math.min(n, t * share);
            long to = t == Math.min(team, MAX_PARTS) - 1 ? n : Math.min(n, from + share);
            block.setAtIndex(ValueLayout.JAVA_INT, RESULTS / 4 + t, maxBits(values, from, to));
        } catch (Throwable e) {
            // leaves this part's result NaN: the caller computes exactly
        }
    }

    /** The largest |x| over float32 values on the calling thread alone, NaN when one is NaN; not traced. */
    public static float maxMagnitudeOnCaller(MemorySegment values) {
        return Float.intBitsToFloat(maxBits(values, 0, values.byteSize() / Float.BYTES));
    }

    /**
     * The largest |x| as float bits over values [from, to): integer max on the bits (NaN orders
     * above Inf). In chunks, each a call of its own: a long scan would otherwise get its loop
     * compiled on-stack-replacement style, which in a scan right after a convolution ran at two
     * thirds of the speed of the normally compiled loop. The chunks go from the end back: the
     * tensor's end is what its writer touched last, still in this core's cache, and read first it
     * is not evicted by the reads of the rest; the start, read last, is then the freshest for the
     * layer, which reads from the start (forward, the depthwise suite shape ran 4% slower).
     */
    static int maxBits(MemorySegment values, long from, long to) {
        int max = 0;
        for (long end = to; end > from; end -= CHUNK) {
            long start = Math.max(from, end - CHUNK);
            max = Math.max(max, maxBitsOfChunk(values, start, (int) (end - start)));
        }
        return max;
    }

    // two halves, each its own running max: one chain of vector maxima is bound by its latency
    // (a single chain read 120-140 GB/s from L1 or L2 on Zen 5, two 1.5-1.9x that)
    private static int maxBitsOfChunk(MemorySegment values, long start, int count) {
        int half = count >>> 1;
        long second = start + half;
        int max0 = (count & 1) == 0 ? 0 : values.getAtIndex(ValueLayout.JAVA_INT, start + count - 1) & 0x7fffffff;
        int max1 = 0;
        for (int i = 0; i < half; i++) { // vectorized by the JIT
            max0 = Math.max(max0, values.getAtIndex(ValueLayout.JAVA_INT, start + i) & 0x7fffffff);
            max1 = Math.max(max1, values.getAtIndex(ValueLayout.JAVA_INT, second + i) & 0x7fffffff);
        }
        return Math.max(max0, max1);
    }
}
