package kdnn.internal.plan;

import java.util.Locale;

/** How many samples of a batch one slice runs ({@link BatchSlices}): as many as the caches hold. */
final class SliceSize {

    // read once: the caches of the CPU the process starts on
    private static final long L2_BYTES = cacheBytes(2, 1L << 20);
    private static final long L3_BYTES = cacheBytes(3, 32L << 20);

    private SliceSize() {
    }

    /**
     * Samples per slice for {@code batch} samples whose largest step (a layer after fusion) reads
     * and writes {@code stepSampleBytes} per sample, whose steps write {@code valueSampleBytes} per
     * sample in all, and whose weights take {@code weightBytes}, on {@code threads} threads;
     * {@code batch} where slicing would not help. A slice fits when its largest step fits the
     * caches the threads share (the last level, and each thread's own L2). A slice must hold at
     * least two samples' steps: below that, the caches save little. Each slice reads the weights
     * again, so slicing must save more value traffic than that costs: the extra weight reads stay
     * under half of what the batch's steps write. A size that divides the batch is preferred (a
     * last, smaller slice needs a plan and derived weights of its own).
     */
    static int choose(int batch, long stepSampleBytes, long valueSampleBytes, long weightBytes, int threads) {
        return choose(batch, stepSampleBytes, valueSampleBytes, weightBytes, L3_BYTES + threads * L2_BYTES);
    }

    static int choose(int batch, long stepSampleBytes, long valueSampleBytes, long weightBytes, long cacheBytes) {
        long fit = cacheBytes / Math.max(1, stepSampleBytes);
        if (fit < 2 || fit >= batch) return batch;
        int size = (int) fit;
        while (2 * size > fit && batch % size != 0) size--;
        if (2 * size <= fit) { // no divisor near: even slices, the last one shorter
            int slices = (int) ((batch + fit - 1) / fit);
            size = (batch + slices - 1) / slices;
        }
        long slices = (batch + size - 1) / size;
        if ((slices - 1) * (double) weightBytes > 0.5 * valueSampleBytes * (double) batch) return batch;
        return size;
    }

    // the most of a shared last-level cache a core can count on: x86 server parts have 1.5-5 MB of
    // it per core, and a virtual machine sees the whole cache but shares it with the host's others
    private static final long LAST_LEVEL_PER_CORE = 4L << 20;

    // tests plan for a cache of a known size (0: the CPU's)
    private static volatile long stageCacheForTests;

    /** The caches a stage's slice may count on, on {@code threads} threads: their own L2 and their share of the last level. */
    static long stageCacheBytes(int threads) {
        long given = stageCacheForTests;
        return given > 0 ? given : threads * L2_BYTES + Math.min(L3_BYTES, threads * LAST_LEVEL_PER_CORE);
    }

    /** Makes {@link #stageCacheBytes} answer {@code bytes} (0: the CPU's again); for tests. */
    static void stageCacheForTests(long bytes) {
        stageCacheForTests = bytes;
    }

    /**
     * Samples per slice for one stage of a model ({@link StageSlices}), whose largest step reads
     * and writes {@code stepSampleBytes} per sample, whose steps write {@code valueSampleBytes} per
     * sample and whose weights take {@code weightBytes}: as many as fit {@code cacheBytes}, one
     * where a sample's step alone fits, a divisor of the batch; no fewer than
     * {@link #fewestForWeights}; {@code batch} where even one sample's step overflows the caches.
     */
    static int chooseForStage(int batch, long stepSampleBytes, long valueSampleBytes, long weightBytes, long cacheBytes) {
        long fit = cacheBytes / Math.max(1, stepSampleBytes);
        if (fit < 1) return batch;
        int size = (int) Math.min(batch, fit);
        while (batch % size != 0) size--;
        return Math.max(size, fewestForWeights(batch, valueSampleBytes, weightBytes));
    }

    /**
     * The fewest samples per slice (a divisor of the batch) for which the weights read again by
     * every further slice stay under half of what the steps write for the batch.
     */
    static int fewestForWeights(int batch, long valueSampleBytes, long weightBytes) {
        int size = 1;
        while (size < batch && (batch / size - 1) * (double) weightBytes > 0.5 * valueSampleBytes * (double) batch) {
            size++;
            while (batch % size != 0) size++;
        }
        return size;
    }

    /** What {@code kdnn.batchSlice} asks for: {@code auto} (0, the default), a count, or {@code off} (Integer.MAX_VALUE). */
    static int processSetting() {
        return parse(System.getProperty("kdnn.batchSlice", "auto"));
    }

    static int parse(String setting) {
        String s = setting.trim().toLowerCase(Locale.ROOT);
        if (s.equals("auto")) return 0;
        if (s.equals("off")) return Integer.MAX_VALUE;
        try {
            int n = Integer.parseInt(s);
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("kdnn.batchSlice must be auto, off or a positive number of samples, got \""
                + setting + "\"");
    }

    // the CPU's cache of that level; the fallback where it is unknown
    private static long cacheBytes(int level, long fallback) {
        long b = kdnn.runtime.CpuCaches.bytes(level);
        return b > 0 ? b : fallback;
    }
}
