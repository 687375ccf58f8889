package kdnn.layers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * TensorFlow's bilinear resize, which Keras' UpSampling2D(interpolation="bilinear") calls, where
 * a NaN or an infinity is among an output's four neighbours. TensorFlow interpolates as
 * {@code a + (b - a) * t} (its {@code compute_lerp}: along x, then y), so an infinity next to
 * anything gives NaN, even at weight 0; oneDNN's weighted sum keeps the infinity. Elsewhere the
 * two agree to rounding and oneDNN's values stay.
 */
final class BilinearExtremes {
    private BilinearExtremes() {
    }

    /**
     * Rewrites the outputs whose neighbours are not all finite.
     *
     * @param dims logical input dims {N, C, H, W}
     * @param factors the upsampling size (H, W)
     * @param inChannelsLast / outChannelsLast the memory order of each side
     */
    static void restore(MemorySegment in, MemorySegment out, long[] dims, int[] factors, boolean inChannelsLast,
                        boolean outChannelsLast) {
        long n = dims[0];
        long c = dims[1];
        int h = Math.toIntExact(dims[2]);
        int w = Math.toIntExact(dims[3]);
        int oh = h * factors[0];
        int ow = w * factors[1];
        for (long b = 0; b < n; b++) {
            for (long ch = 0; ch < c; ch++) {
                for (int y = 0; y < oh; y++) {
                    Sample sy = Sample.of(y, factors[0], h);
                    for (int x = 0; x < ow; x++) {
                        Sample sx = Sample.of(x, factors[1], w);
                        float tl = in.getAtIndex(ValueLayout.JAVA_FLOAT, index(b, ch, sy.lo, sx.lo, c, h, w, inChannelsLast));
                        float tr = in.getAtIndex(ValueLayout.JAVA_FLOAT, index(b, ch, sy.lo, sx.hi, c, h, w, inChannelsLast));
                        float bl = in.getAtIndex(ValueLayout.JAVA_FLOAT, index(b, ch, sy.hi, sx.lo, c, h, w, inChannelsLast));
                        float br = in.getAtIndex(ValueLayout.JAVA_FLOAT, index(b, ch, sy.hi, sx.hi, c, h, w, inChannelsLast));
                        if (Float.isFinite(tl) && Float.isFinite(tr) && Float.isFinite(bl) && Float.isFinite(br)) {
                            continue;
                        }
                        double top = tl + ((double) tr - tl) * sx.t;
                        double bottom = bl + ((double) br - bl) * sx.t;
                        out.setAtIndex(ValueLayout.JAVA_FLOAT, index(b, ch, y, x, c, oh, ow, outChannelsLast),
                                (float) (top + (bottom - top) * sy.t));
                    }
                }
            }
        }
    }

    /** Where output index {@code o} samples: half-pixel centres, neighbours clamped to the input. */
    private record Sample(int lo, int hi, double t) {
        static Sample of(int o, int factor, int length) {
            double pos = (o + 0.5) / factor - 0.5;
            double floor = Math.floor(pos);
            return new Sample((int) Math.max(floor, 0), (int) Math.min(Math.ceil(pos), length - 1), pos - floor);
        }
    }

    private static long index(long b, long ch, int y, int x, long c, int h, int w, boolean channelsLast) {
        return channelsLast ? ((b * h + y) * w + x) * c + ch : ((b * c + ch) * h + y) * w + x;
    }
}
