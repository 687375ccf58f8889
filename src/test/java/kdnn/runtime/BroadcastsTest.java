package kdnn.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which broadcast operands {@link Broadcasts} reads as wider rows of repeated values, and how wide. */
class BroadcastsTest {
    @Test
    void aShortTrailingRunWidensToRowsThatDivideTheTensor() {
        // an RGB image's channels: 224 * 224 runs of 3, read 64 at a time (a row of 192)
        assertArrayEquals(new long[] {784, 64, 3}, Broadcasts.widened(new long[] {1, 224, 224, 3}, new long[] {1, 1, 1, 3}));
        // two trailing axes held whole: a run of 3 * 5 values
        assertArrayEquals(new long[] {2, 12, 15}, Broadcasts.widened(new long[] {2, 12, 3, 5}, new long[] {1, 1, 3, 5}));
        // 7 * 7 = 49 runs of 16: 7 of them to a row (the widest row is 256 values)
        assertArrayEquals(new long[] {7, 7, 16}, Broadcasts.widened(new long[] {1, 7, 7, 16}, new long[] {1, 1, 1, 16}));
        assertArrayEquals(new long[] {1, 14, 16}, Broadcasts.widened(new long[] {2, 7, 1, 16}, new long[] {1, 1, 1, 16}));
    }

    @Test
    void otherOperandsStayAsTheyAre() {
        assertNull(Broadcasts.widened(new long[] {1, 224, 224, 3}, new long[] {1, 1, 1, 1}), "a scalar");
        assertNull(Broadcasts.widened(new long[] {1, 56, 56, 256}, new long[] {1, 1, 1, 256}), "already wide");
        assertNull(Broadcasts.widened(new long[] {2, 3, 4, 5}, new long[] {1, 3, 1, 5}), "not a trailing run");
        assertNull(Broadcasts.widened(new long[] {2, 3, 4, 5}, new long[] {1, 3, 4, 1}), "along the last axis");
        assertNull(Broadcasts.widened(new long[] {3, 5}, new long[] {3, 5}), "nothing repeated");
        assertNull(Broadcasts.widened(new long[] {53, 5}, new long[] {1, 5}), "53 runs: no divisor up to 51 makes wider rows");
        assertNull(Broadcasts.widened(new long[] {0, 4, 3}, new long[] {1, 1, 3}), "an empty batch");
    }
}
