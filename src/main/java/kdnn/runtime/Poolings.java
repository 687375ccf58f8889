package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

/**
 * Pipelines of pooling layers (max, average; windowed and global) over logical dims
 * {N, C, spatial...}. The pooling runs channels-last, where oneDNN's fast kernels are; a
 * channels-first side is reordered once on the way in or out, as {@link Convolutions} does.
 */
public final class Poolings {
    private Poolings() {
    }

    /** Which pooling: the largest value, or the mean of the window's real (unpadded) cells as TensorFlow's. */
    public enum Kind { MAX, AVERAGE }

    /**
     * One pooling from {@code srcDims} to {@code dstDims}, windows of {@code kernel} every
     * {@code strides}, with {@code padLeft}/{@code padRight} cells of padding that no window
     * counts (oneDNN's max ignores them; {@code avg_exclude_padding} divides by the real cells).
     */
    public static Pipeline pool(Kind kind, long[] srcDims, long[] dstDims, int srcTag, int dstTag, long[] kernel,
                                long[] strides, long[] padLeft, long[] padRight) {
        int spatial = srcDims.length - 2;
        int internalTag = Convolutions.channelsLastTag(spatial);
        // an output of one cell per channel has the same bytes in either order
        boolean oneCell = java.util.Arrays.stream(dstDims, 2, dstDims.length).allMatch(d -> d == 1);
        if (oneCell) {
            dstTag = internalTag;
        }
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc userSrc = b.own(MemoryDesc.withTag(srcDims, dnnl_f32(), srcTag));
            MemoryDesc src = userSrc;
            int current = Pipeline.INPUT;
            if (srcTag != internalTag) {
                src = b.own(MemoryDesc.withTag(srcDims, dnnl_f32(), internalTag));
                int slot = b.buffer(src.byteSize());
                b.step(Convolutions.reorder(userSrc, src), Pipeline.Arg.slot(DNNL_ARG_FROM(), userSrc, current),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), src, slot));
                current = slot;
            }
            MemoryDesc dst = b.own(MemoryDesc.withTag(dstDims, dnnl_f32(), internalTag));
            boolean convertOut = dstTag != internalTag;
            int out = convertOut ? b.buffer(dst.byteSize()) : Pipeline.OUTPUT;
            int algorithm = kind == Kind.MAX ? dnnl_pooling_max() : dnnl_pooling_avg_exclude_padding();
            b.step(pooling(algorithm, src, dst, kernel, strides, padLeft, padRight),
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), src, current), Pipeline.Arg.slot(DNNL_ARG_DST(), dst, out));
            if (convertOut) {
                MemoryDesc userDst = b.own(MemoryDesc.withTag(dstDims, dnnl_f32(), dstTag));
                b.step(Convolutions.reorder(dst, userDst), Pipeline.Arg.slot(DNNL_ARG_FROM(), dst, out),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), userDst, Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    private static Primitive pooling(int algorithm, MemoryDesc src, MemoryDesc dst, long[] kernel, long[] strides,
                                     long[] padLeft, long[] padRight) {
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("pool").word(Replay.poolingName(algorithm)).md(src).md(dst).numbers(kernel)
                    .numbers(strides).numbers(padLeft).numbers(padRight);
            return Primitive.create("dnnl_pooling_forward_primitive_desc_create", replay, (out, a) ->
                    dnnl_pooling_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(), algorithm,
                            src.handle(), dst.handle(), Dnnl.dims(a, strides), Dnnl.dims(a, kernel),
                            Dnnl.dims(a, new long[kernel.length]), Dnnl.dims(a, padLeft), Dnnl.dims(a, padRight),
                            attr.handle()));
        }
    }
}
