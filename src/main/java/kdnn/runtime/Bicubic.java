package kdnn.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * TensorFlow's {@code ResizeBicubic} as {@code tf.image.resize(method="bicubic")} calls it (half-pixel
 * centres, Keys' cubic with {@code a = -0.5}, no antialiasing), which Keras' UpSampling2D and
 * Resizing use: the cubic's weights read from TensorFlow's table of 1024 steps, taps outside the
 * image weighted 0 (their index clamped) and the four weights renormalized to sum to 1; each output
 * interpolates the four rows first, then the four columns, in float32 in TensorFlow's order. oneDNN
 * has no cubic resampling: this is a Java step.
 */
public final class Bicubic {
    private static final int TABLE_SIZE = 1 << 10;
    private static final float[] TABLE = table(-0.5);

    private Bicubic() {
    }

    // TensorFlow's InitCoeffsTable: the cubic at i / 1024 and at 1 + i / 1024, computed in double
    private static float[] table(double a) {
        float[] t = new float[(TABLE_SIZE + 1) * 2];
        for (int i = 0; i <= TABLE_SIZE; i++) {
            float x = (float) (i * 1.0 / TABLE_SIZE);
            t[i * 2] = (float) (((a + 2) * x - (a + 3)) * x * x + 1);
            double x1 = x + 1.0;
            t[i * 2 + 1] = (float) (((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a);
        }
        return t;
    }

    /** The four source indices (clamped) and weights of output position {@code o} along an axis of {@code in} to {@code out}. */
    static void taps(long o, long in, long out, long[] index, float[] weight) {
        float scale = (float) in / (float) out;
        float at = ((float) o + 0.5f) * scale - 0.5f;
        long base = (long) Math.floor(at);
        float delta = at - base;
        int offset = (int) Math.rint(delta * TABLE_SIZE);
        float[] w = {TABLE[offset * 2 + 1], TABLE[offset * 2], TABLE[(TABLE_SIZE - offset) * 2],
                TABLE[(TABLE_SIZE - offset) * 2 + 1]};
        float sum = 0f;
        for (int k = 0; k < 4; k++) {
            long i = base - 1 + k;
            index[k] = Math.min(in - 1, Math.max(0, i));
            weight[k] = index[k] == i ? w[k] : 0f;
            sum += weight[k];
        }
        if (Math.abs(sum) >= 1000.0f * Float.MIN_NORMAL) {
            float inverse = 1.0f / sum;
            for (int k = 0; k < 4; k++) weight[k] *= inverse;
        }
    }

    /** {@code v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3} in float32, left to right, as TensorFlow's Interpolate1D. */
    private static float interpolate(float[] w, float v0, float v1, float v2, float v3) {
        return v0 * w[0] + v1 * w[1] + v2 * w[2] + v3 * w[3];
    }

    /**
     * The resize of {N, C, H, W} images to {@code outHeight x outWidth}, from and to memory in
     * channels-last or channels-first order.
     */
    public static Pipeline.SlotTransfer resize(long n, long c, long h, long w, long outHeight, long outWidth,
                                               boolean srcChannelsLast, boolean dstChannelsLast) {
        int oh = Math.toIntExact(outHeight);
        int ow = Math.toIntExact(outWidth);
        long[][] rowIndex = new long[oh][4];
        float[][] rowWeight = new float[oh][4];
        long[][] colIndex = new long[ow][4];
        float[][] colWeight = new float[ow][4];
        for (int y = 0; y < oh; y++) taps(y, h, oh, rowIndex[y], rowWeight[y]);
        for (int x = 0; x < ow; x++) taps(x, w, ow, colIndex[x], colWeight[x]);
        // element strides of a channel, a row and a column, and an image's size
        long srcC = srcChannelsLast ? 1 : h * w;
        long srcRow = srcChannelsLast ? w * c : w;
        long srcCol = srcChannelsLast ? c : 1;
        long dstC = dstChannelsLast ? 1 : outHeight * outWidth;
        long dstRow = dstChannelsLast ? outWidth * c : outWidth;
        long dstCol = dstChannelsLast ? c : 1;
        return (from, to) -> {
            float[] column = new float[4];
            for (long b = 0; b < n; b++) {
                long src = b * c * h * w;
                long dst = b * c * outHeight * outWidth;
                for (int y = 0; y < oh; y++) {
                    long[] ri = rowIndex[y];
                    float[] rw = rowWeight[y];
                    for (int x = 0; x < ow; x++) {
                        long[] ci = colIndex[x];
                        for (long ch = 0; ch < c; ch++) {
                            long plane = src + ch * srcC;
                            // each of the four columns through the four rows, then across the columns
                            for (int k = 0; k < 4; k++) {
                                long col = plane + ci[k] * srcCol;
                                column[k] = interpolate(rw, value(from, col + ri[0] * srcRow),
                                        value(from, col + ri[1] * srcRow), value(from, col + ri[2] * srcRow),
                                        value(from, col + ri[3] * srcRow));
                            }
                            float v = interpolate(colWeight[x], column[0], column[1], column[2], column[3]);
                            to.setAtIndex(ValueLayout.JAVA_FLOAT, dst + ch * dstC + y * dstRow + x * dstCol, v);
                        }
                    }
                }
            }
        };
    }

    private static float value(MemorySegment m, long at) {
        return m.getAtIndex(ValueLayout.JAVA_FLOAT, at);
    }
}
