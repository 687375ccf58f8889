package kdnn.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Images of a batch between native memory (channels-last or channels-first) and channels-last Java arrays. */
final class ChannelsLast {
    private ChannelsLast() {
    }

    /** Image {@code b} of {N, C, H, W} values into {@code image} as (H, W, C). */
    static void read(MemorySegment from, long b, long c, long h, long w, boolean channelsLast, float[] image) {
        long count = c * h * w;
        if (channelsLast) {
            MemorySegment.copy(from, ValueLayout.JAVA_FLOAT, b * count * Float.BYTES, image, 0, (int) count);
            return;
        }
        long base = b * count;
        int plane = (int) (h * w);
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < plane; p++) {
                image[(int) (p * c + ch)] = from.getAtIndex(ValueLayout.JAVA_FLOAT, base + (long) ch * plane + p);
            }
        }
    }

    /** Row {@code y} of image {@code b} of {N, C, H, W} values, given as (W, C), written channels-last or channels-first. */
    static void writeRow(float[] row, MemorySegment to, long b, long c, long h, long w, int y, boolean channelsLast) {
        long image = b * c * h * w;
        if (channelsLast) {
            MemorySegment.copy(row, 0, to, ValueLayout.JAVA_FLOAT, (image + (long) y * w * c) * Float.BYTES, (int) (w * c));
            return;
        }
        long plane = h * w;
        for (int x = 0; x < w; x++) {
            for (int ch = 0; ch < c; ch++) {
                to.setAtIndex(ValueLayout.JAVA_FLOAT, image + ch * plane + (long) y * w + x, row[(int) (x * c + ch)]);
            }
        }
    }
}
