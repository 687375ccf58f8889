package kdnn.layers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Resizes;

/**
 * TensorFlow's bilinear resize, which Keras' UpSampling2D(interpolation="bilinear"), Resizing and
 * CenterCrop call, where a NaN or an infinity is among an output's four neighbours. TensorFlow
 * interpolates as
 * {@code a + (b - a) * t} (its {@code compute_lerp}: along x, then y), so an infinity next to
 * anything gives NaN, even at weight 0; oneDNN's weighted sum keeps the infinity. Elsewhere the
 * two agree to rounding and oneDNN's values stay.
 */
final class BilinearExtremes {
    private BilinearExtremes() {
    }

    /**
     * Rewrites the outputs of an upsampling whose neighbours are not all finite.
     *
     * @param dims logical input dims {N, C, H, W}
     * @param factors the upsampling size (H, W)
     * @param inChannelsLast / outChannelsLast the memory order of each side
     */
    static void restore(MemorySegment in, MemorySegment out, long[] dims, int[] factors, boolean inChannelsLast,
                        boolean outChannelsLast) {
        restore(in, out, dims, Resizes.Window.whole(dims[2], dims[3]), dims[2] * factors[0], dims[3] * factors[1],
                inChannelsLast, outChannelsLast);
    }

    /**
     * Rewrites the outputs of a resize of {@code window}'s image to {@code outHeight x outWidth}
     * whose neighbours are not all finite, in TensorFlow's float arithmetic.
     *
     * @param dims logical input dims {N, C, H, W}
     */
    static void restore(MemorySegment in, MemorySegment out, long[] dims, Resizes.Window window, long outHeight,
                        long outWidth, boolean inChannelsLast, boolean outChannelsLast) {
        long n = dims[0];
        long c = dims[1];
        int oh = Math.toIntExact(outHeight);
        int ow = Math.toIntExact(outWidth);
        Sample[] rows = new Sample[oh];
        Sample[] cols = new Sample[ow];
        for (int y = 0; y < oh; y++) rows[y] = Sample.of(y, window.imageHeight(), oh);
        for (int x = 0; x < ow; x++) cols[x] = Sample.of(x, window.imageWidth(), ow);
        Image image = new Image(in, dims, window, inChannelsLast);
        for (long b = 0; b < n; b++) {
            for (long ch = 0; ch < c; ch++) {
                for (int y = 0; y < oh; y++) {
                    Sample sy = rows[y];
                    for (int x = 0; x < ow; x++) {
                        Sample sx = cols[x];
                        float tl = image.at(b, ch, sy.lo, sx.lo);
                        float tr = image.at(b, ch, sy.lo, sx.hi);
                        float bl = image.at(b, ch, sy.hi, sx.lo);
                        float br = image.at(b, ch, sy.hi, sx.hi);
                        if (Float.isFinite(tl) && Float.isFinite(tr) && Float.isFinite(bl) && Float.isFinite(br)) {
                            continue;
                        }
                        float top = tl + (tr - tl) * sx.t;
                        float bottom = bl + (br - bl) * sx.t;
                        out.setAtIndex(ValueLayout.JAVA_FLOAT, index(b, ch, y, x, c, oh, ow, outChannelsLast),
                                top + (bottom - top) * sy.t);
                    }
                }
            }
        }
    }

    /** The image a resize reads: a window of the input, or the input inside a border of its fill. */
    private record Image(MemorySegment in, long[] dims, Resizes.Window window, boolean channelsLast) {
        float at(long b, long ch, long y, long x) {
            long iy = y + window.shiftY();
            long ix = x + window.shiftX();
            if (iy < 0 || ix < 0 || iy >= dims[2] || ix >= dims[3]) return window.fill();
            return in.getAtIndex(ValueLayout.JAVA_FLOAT, index(b, ch, (int) iy, (int) ix, dims[1], (int) dims[2],
                    (int) dims[3], channelsLast));
        }
    }

    /**
     * Where output index {@code o} samples, as TensorFlow computes it in float: position
     * {@code (o + 0.5) * (in / out) - 0.5}, neighbours clamped to the input, weight the fraction.
     */
    private record Sample(int lo, int hi, float t) {
        static Sample of(int o, long length, long outLength) {
            float scale = (float) length / outLength;
            float pos = (o + 0.5f) * scale - 0.5f;
            float floor = (float) Math.floor(pos);
            return new Sample((int) Math.max(floor, 0), (int) Math.min((long) Math.ceil(pos), length - 1), pos - floor);
        }
    }

    private static long index(long b, long ch, int y, int x, long c, int h, int w, boolean channelsLast) {
        return channelsLast ? ((b * h + y) * w + x) * c + ch : ((b * c + ch) * h + y) * w + x;
    }
}
