package kdnn.internal.plan;

/** Lets tests of other packages plan stages for a cache of a known size ({@link SliceSize#stageCacheForTests}). */
public final class StageCacheForTests {
    private StageCacheForTests() {
    }

    /** Plans made from now on count on {@code bytes} of cache (0: the CPU's again). */
    public static void set(long bytes) {
        SliceSize.stageCacheForTests(bytes);
    }
}
