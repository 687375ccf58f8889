package kdnn.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras 3's adaptive pooling ({@code ops.adaptive_avg_pool}, {@code ops.adaptive_max_pool}) of
 * logical dims {N, C, spatial...}: output cell {@code i} of an axis of length {@code L} pooled to
 * {@code o} covers the input from {@code floor(i * L / o)} to {@code ceil((i + 1) * L / o)}, as
 * PyTorch's adaptive pooling, which Keras matches. Where every axis divides, the windows are one
 * oneDNN pooling's (kernel and stride {@code L / o}); otherwise their sizes vary and overlap, and
 * they are summed or compared in Java, the output's rows in parts over the OpenMP team.
 */
public final class AdaptivePoolings {
    private AdaptivePoolings() {
    }

    /** The first input index of output cell {@code i}. */
    public static long windowStart(long i, long length, long outputs) {
        return Math.floorDiv(i * length, outputs);
    }

    /** One past the last input index of output cell {@code i}. */
    public static long windowEnd(long i, long length, long outputs) {
        return -Math.floorDiv(-(i + 1) * length, outputs);
    }

    /** True where oneDNN's pooling computes these windows: every input length a multiple of its output's. */
    public static boolean uniform(long[] srcDims, long[] dstDims) {
        for (int a = 2; a < srcDims.length; a++) if (srcDims[a] % dstDims[a] != 0) return false;
        return true;
    }

    /** The pipeline from {@code srcDims} to {@code dstDims}, each side in the memory order its flag says. */
    public static Pipeline pool(Poolings.Kind kind, long[] srcDims, long[] dstDims, boolean srcChannelsLast,
                                boolean dstChannelsLast) {
        int spatial = srcDims.length - 2;
        if (uniform(srcDims, dstDims)) {
            long[] kernel = new long[spatial];
            for (int a = 0; a < spatial; a++) kernel[a] = srcDims[a + 2] / dstDims[a + 2];
            return Poolings.pool(kind, srcDims, dstDims, tag(spatial, srcChannelsLast), tag(spatial, dstChannelsLast),
                    kernel, kernel, new long[spatial], new long[spatial]);
        }
        Windows windows = new Windows(srcDims, dstDims);
        return Pipeline.ofJava((in, out) -> windows.pool(kind, in, out, srcChannelsLast,
                dstChannelsLast));
    }

    private static int tag(int spatial, boolean channelsLast) {
        return channelsLast ? Convolutions.channelsLastTag(spatial) : Convolutions.channelsFirstTag(spatial);
    }

    /**
     * The pooling in Java, any windows: the mean as a float32 sum in row-major window order divided
     * by the window's size; the maximum with NaN winning, as TensorFlow's and PyTorch's do.
     */
    public static void inJava(Poolings.Kind kind, MemorySegment in, MemorySegment out, long[] src, long[] dst,
                              boolean srcChannelsLast, boolean dstChannelsLast) {
        new Windows(src, dst).pool(kind, in, out, srcChannelsLast, dstChannelsLast);
    }

    /** Each output cell's window along each axis, worked out once per shape; spatial axes padded to three, leading ones. */
    private static final class Windows {
        final long n;
        final long c;
        final long[] is = new long[3];
        final long[] os = new long[3];
        final long[][] starts = new long[3][];
        final long[][] ends = new long[3][];

        Windows(long[] src, long[] dst) {
            int rank = src.length - 2;
            n = src[0];
            c = src[1];
            for (int i = 0; i < 3; i++) {
                int a = i - (3 - rank);
                is[i] = a < 0 ? 1 : src[2 + a];
                os[i] = a < 0 ? 1 : dst[2 + a];
                starts[i] = new long[Math.toIntExact(os[i])];
                ends[i] = new long[Math.toIntExact(os[i])];
                for (int o = 0; o < os[i]; o++) {
                    starts[i][o] = windowStart(o, is[i], os[i]);
                    ends[i][o] = windowEnd(o, is[i], os[i]);
                }
            }
        }

        void pool(Poolings.Kind kind, MemorySegment in, MemorySegment out, boolean srcChannelsLast,
                  boolean dstChannelsLast) {
            long[] inStrides = strides(c, is, srcChannelsLast);
            long[] outStrides = strides(c, os, dstChannelsLast);
            boolean max = kind == Poolings.Kind.MAX;
            int rows = Math.toIntExact(n * os[0] * os[1]);
            long work = Math.max(in.byteSize(), out.byteSize()) / Float.BYTES;
            TeamLoop.run(work, rows, (part, parts) -> {
                // channels-last: each window cell's channels are contiguous, taken into one vector of them
                float[] vector = srcChannelsLast ? new float[Math.toIntExact(c)] : null;
                for (int row = TeamLoop.from(part, parts, rows); row < TeamLoop.from(part + 1, parts, rows); row++) {
                    if (vector != null) {
                        channelsInnermost(max, in, out, row, inStrides, outStrides, vector);
                    } else {
                        channelByChannel(max, in, out, row, inStrides, outStrides);
                    }
                }
            });
        }

        /** One output row {@code (b, od, oh)} of a channels-first input, each channel's window in turn. */
        private void channelByChannel(boolean max, MemorySegment in, MemorySegment out, int row, long[] inStrides,
                                      long[] outStrides) {
            long b = row / (os[0] * os[1]);
            int od = (int) (row / os[1] % os[0]);
            int oh = (int) (row % os[1]);
            for (int ow = 0; ow < os[2]; ow++) {
                float cells = (ends[0][od] - starts[0][od]) * (ends[1][oh] - starts[1][oh]) * (ends[2][ow] - starts[2][ow]);
                for (long ch = 0; ch < c; ch++) {
                    float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                    long base = b * inStrides[0] + ch * inStrides[1];
                    for (long d = starts[0][od]; d < ends[0][od]; d++) {
                        for (long h = starts[1][oh]; h < ends[1][oh]; h++) {
                            long at = base + d * inStrides[2] + h * inStrides[3];
                            for (long w = starts[2][ow]; w < ends[2][ow]; w++) {
                                float v = in.getAtIndex(ValueLayout.JAVA_FLOAT, at + w * inStrides[4]);
                                acc = max ? Math.max(acc, v) : acc + v;
                            }
                        }
                    }
                    long to = b * outStrides[0] + ch * outStrides[1] + od * outStrides[2] + oh * outStrides[3]
                            + ow * outStrides[4];
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, to, max ? acc : acc / cells);
                }
            }
        }

        /** One output row {@code (b, od, oh)} of a channels-last input, channels in the innermost loop. */
        private void channelsInnermost(boolean max, MemorySegment in, MemorySegment out, int row, long[] inStrides,
                                       long[] outStrides, float[] acc) {
            long b = row / (os[0] * os[1]);
            int od = (int) (row / os[1] % os[0]);
            int oh = (int) (row % os[1]);
            int channels = acc.length;
            for (int ow = 0; ow < os[2]; ow++) {
                java.util.Arrays.fill(acc, max ? Float.NEGATIVE_INFINITY : 0f);
                for (long d = starts[0][od]; d < ends[0][od]; d++) {
                    for (long h = starts[1][oh]; h < ends[1][oh]; h++) {
                        for (long w = starts[2][ow]; w < ends[2][ow]; w++) {
                            long at = b * inStrides[0] + d * inStrides[2] + h * inStrides[3] + w * inStrides[4];
                            if (max) {
                                for (int ch = 0; ch < channels; ch++) {
                                    acc[ch] = Math.max(acc[ch], in.getAtIndex(ValueLayout.JAVA_FLOAT, at + ch));
                                }
                            } else {
                                for (int ch = 0; ch < channels; ch++) acc[ch] += in.getAtIndex(ValueLayout.JAVA_FLOAT, at + ch);
                            }
                        }
                    }
                }
                float cells = (ends[0][od] - starts[0][od]) * (ends[1][oh] - starts[1][oh]) * (ends[2][ow] - starts[2][ow]);
                long to = b * outStrides[0] + od * outStrides[2] + oh * outStrides[3] + ow * outStrides[4];
                for (int ch = 0; ch < channels; ch++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, to + ch * outStrides[1], max ? acc[ch] : acc[ch] / cells);
                }
            }
        }
    }

    /** Element strides of {N, C, D, H, W} in channels-first or channels-last memory. */
    private static long[] strides(long c, long[] spatial, boolean channelsLast) {
        long d = spatial[0];
        long h = spatial[1];
        long w = spatial[2];
        return channelsLast ? new long[] {d * h * w * c, 1, h * w * c, w * c, c}
                : new long[] {c * d * h * w, d * h * w, h * w, w, 1};
    }
}
