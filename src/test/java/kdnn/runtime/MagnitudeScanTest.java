package kdnn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The KERAS-mode input scan split over the OpenMP team finds the largest |x| and any NaN wherever
 * it lies: in every part, at part and chunk boundaries, at both ends, for counts that do not divide
 * evenly.
 */
class MagnitudeScanTest {

    /** What the scan must return: the largest |x|, or NaN when one is NaN. */
    private static float expected(float[] v) {
        float max = 0;
        for (float x : v) {
            if (Float.isNaN(x)) return Float.NaN;
            max = Math.max(max, Math.abs(x));
        }
        return max;
    }

    private static float scan(Arena arena, float[] v, int threads) {
        MemorySegment s = arena.allocate(Math.max(4, 4L * v.length), 64).asSlice(0, 4L * v.length);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT, 0, v.length);
        return MagnitudeScan.maxMagnitude(s, threads);
    }

    @Test
    void theBundledLibraryRunsLargeScansOnTheTeam() {
        NativeLibrary.load();
        assertTrue(MagnitudeScan.onTeam(), "GOMP_parallel not found beside oneDNN: the scan would use one core");
    }

    @Test
    void findsTheLargestMagnitudeAndAnyNaNInEveryPart() {
        SplittableRandom r = new SplittableRandom(7);
        int[] counts = {0, 1, 17, (int) MagnitudeScan.PARALLEL_FROM - 1, (int) MagnitudeScan.PARALLEL_FROM, 200_003, 1 << 20};
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -3e38f, 2e30f, -0f};
        try (Arena arena = Arena.ofConfined()) {
            for (int n : counts) {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
                for (int threads : new int[] {1, 2, 3, 4}) {
                    assertEquals(expected(v), scan(arena, v, threads), "n=" + n + " threads=" + threads);
                }
                if (n == 0) continue;
                // first, last, each part's first and last value, around chunk ends and chunk halves (each
                // half its own running max; counted from either end of a part), and a random place
                int chunk = MagnitudeScan.CHUNK;
                long[] places = {0, n - 1, n / 2, n / 2 - 1, n / 3, n / 3 + 1, n / 4, chunk - 1, chunk,
                        n / 2 + chunk - 1, n / 2 + chunk, n - chunk, n - chunk - 1, n / 2 - chunk, n / 2 - chunk - 1,
                        chunk / 2 - 1, chunk / 2, n - chunk / 2, n - chunk / 2 - 1, n / 2 - chunk / 2, r.nextInt(n)};
                for (long p : places) {
                    if (p < 0 || p >= n) continue;
                    for (float special : specials) {
                        float keep = v[(int) p];
                        v[(int) p] = special;
                        for (int threads : new int[] {1, 2, 3, 4}) {
                            float want = expected(v);
                            float got = scan(arena, v, threads);
                            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got),
                                    "n=" + n + " threads=" + threads + " " + special + " at " + p + ": " + got);
                        }
                        v[(int) p] = keep;
                    }
                }
            }
        }
    }

    @Test
    void aHeapSegmentIsScannedByTheCaller() {
        float[] v = new float[300_000];
        v[299_999] = -5f;
        assertEquals(5f, MagnitudeScan.maxMagnitude(MemorySegment.ofArray(v), 2));
        v[150_000] = Float.NaN;
        assertTrue(Float.isNaN(MagnitudeScan.maxMagnitude(MemorySegment.ofArray(v), 2)));
    }
}
