package kdnn.layers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * TensorFlow's max pooling where oneDNN's may differ: a window holding NaN gives NaN (oneDNN's
 * vector max may keep the other operand). Runs only for inputs holding NaN, infinities or
 * values near float32's end, and recomputes every window in Java, in either memory order.
 */
final class PoolingExtremes {
    private PoolingExtremes() {
    }

    /**
     * Writes max pooling of {@code in} (logical dims {N, C, spatial...}) into {@code out}, windows
     * of {@code kernel} every {@code strides} from {@code padLeft} cells before the input.
     */
    static void restoreMax(MemorySegment in, MemorySegment out, long[] src, long[] dst, int[] kernel, int[] strides,
                           long[] padLeft, boolean inChannelsLast, boolean outChannelsLast) {
        int rank = src.length - 2;
        // spatial axes padded to three, leading ones: one loop nest for every rank
        long[] is = new long[3];
        long[] os = new long[3];
        int[] k = new int[3];
        int[] s = new int[3];
        long[] p = new long[3];
        for (int i = 0; i < 3; i++) {
            int a = i - (3 - rank);
            is[i] = a < 0 ? 1 : src[2 + a];
            os[i] = a < 0 ? 1 : dst[2 + a];
            k[i] = a < 0 ? 1 : kernel[a];
            s[i] = a < 0 ? 1 : strides[a];
            p[i] = a < 0 ? 0 : padLeft[a];
        }
        long channels = src[1];
        for (long n = 0; n < src[0]; n++) {
            for (long c = 0; c < channels; c++) {
                for (long od = 0; od < os[0]; od++) {
                    for (long oh = 0; oh < os[1]; oh++) {
                        for (long ow = 0; ow < os[2]; ow++) {
                            float max = Float.NEGATIVE_INFINITY;
                            for (long d = od * s[0] - p[0]; d < od * s[0] - p[0] + k[0]; d++) {
                                if (d < 0 || d >= is[0]) continue;
                                for (long h = oh * s[1] - p[1]; h < oh * s[1] - p[1] + k[1]; h++) {
                                    if (h < 0 || h >= is[1]) continue;
                                    for (long w = ow * s[2] - p[2]; w < ow * s[2] - p[2] + k[2]; w++) {
                                        if (w < 0 || w >= is[2]) continue;
                                        float v = in.getAtIndex(ValueLayout.JAVA_FLOAT,
                                                index(n, c, d, h, w, channels, is, inChannelsLast));
                                        max = Math.max(max, v); // NaN wins, as in TensorFlow
                                    }
                                }
                            }
                            out.setAtIndex(ValueLayout.JAVA_FLOAT, index(n, c, od, oh, ow, channels, os, outChannelsLast), max);
                        }
                    }
                }
            }
        }
    }

    private static long index(long n, long c, long d, long h, long w, long channels, long[] spatial, boolean channelsLast) {
        long position = (d * spatial[1] + h) * spatial[2] + w;
        long cells = spatial[0] * spatial[1] * spatial[2];
        return channelsLast ? (n * cells + position) * channels + c : (n * channels + c) * cells + position;
    }
}
