package kdnn.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One image of a batch between native memory (channels-last or channels-first) and a channels-last Java array. */
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

    /** (H, W, C) {@code image} into image {@code b} of {N, C, H, W} values, channels-last or channels-first. */
    static void write(float[] image, MemorySegment to, long b, long c, long h, long w, boolean channelsLast) {
        long count = c * h * w;
        if (channelsLast) {
            MemorySegment.copy(image, 0, to, ValueLayout.JAVA_FLOAT, b * count * Float.BYTES, (int) count);
            return;
        }
        long base = b * count;
        int plane = (int) (h * w);
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < plane; p++) {
                to.setAtIndex(ValueLayout.JAVA_FLOAT, base + (long) ch * plane + p, image[(int) (p * c + ch)]);
            }
        }
    }
}
