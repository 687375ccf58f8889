package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Pipelines of the layers that only move values: zero padding, cropping and nearest
 * upsampling, over logical dims {N, C, spatial...}. Each runs in the caller's own layouts (a
 * format tag for each side): these are copies, so no layout is faster than another, and when a
 * model keeps its tensors channels-last between layers the copy converts on the way for free.
 */
public final class ShapeOps {
    private ShapeOps() {
    }

    /**
     * Zero padding: zero the output, then reorder the input into the window of the output
     * that starts at {@code offsets} (the padding before each axis).
     */
    public static Pipeline pad(long[] srcDims, long[] dstDims, long[] offsets, int srcTag, int dstTag) {
        return padded(srcDims, dstDims, offsets, 0f, b -> b.own(MemoryDesc.withTag(srcDims, dnnl_f32(), srcTag)),
                b -> b.own(MemoryDesc.withTag(dstDims, dnnl_f32(), dstTag)));
    }

    /**
     * Constant padding of a row-major tensor of any rank: the output filled with {@code value},
     * then the input reordered into the window that starts at {@code offsets}.
     */
    public static Pipeline padWith(long[] srcDims, long[] dstDims, long[] offsets, float value) {
        return padded(srcDims, dstDims, offsets, value, b -> b.own(MemoryDesc.rowMajor(srcDims)),
                b -> b.own(MemoryDesc.rowMajor(dstDims)));
    }

    /**
     * Mirrored padding of a row-major tensor of any rank (tf.pad's REFLECT, or SYMMETRIC where
     * {@code symmetric}): the input reordered into the window at {@code offsets}, then axis by axis
     * each border slice reordered from the slice it mirrors, in the output itself, across the
     * axes already padded (so the corners mirror the mirrored borders, as tf.pad's do).
     */
    public static Pipeline padMirrored(long[] srcDims, long[] dstDims, long[] offsets, boolean symmetric) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc src = b.own(MemoryDesc.rowMajor(srcDims));
            MemoryDesc dst = b.own(MemoryDesc.rowMajor(dstDims));
            MemoryDesc window = b.own(dst.submemory(srcDims, offsets));
            b.step(Convolutions.reorder(src, window), Pipeline.Arg.slot(DNNL_ARG_FROM(), src, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), window, Pipeline.OUTPUT));
            long[] extent = srcDims.clone(); // the region filled so far, at origin
            long[] origin = offsets.clone();
            int skip = symmetric ? 0 : 1; // reflect leaves the edge out of the mirror
            for (int a = 0; a < dstDims.length; a++) {
                long first = origin[a];
                long last = origin[a] + srcDims[a] - 1;
                long after = dstDims[a] - srcDims[a] - offsets[a];
                long[] slice = extent.clone();
                slice[a] = 1;
                for (long k = 1; k <= offsets[a]; k++) mirror(b, dst, slice, origin, a, first + k - 1 + skip, first - k);
                for (long k = 1; k <= after; k++) mirror(b, dst, slice, origin, a, last - k + 1 - skip, last + k);
                extent[a] = dstDims[a];
                origin[a] = 0;
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** One border slice of {@code dst}: index {@code to} on axis {@code a} reordered from index {@code from}. */
    private static void mirror(Pipeline.Builder b, MemoryDesc dst, long[] slice, long[] origin, int a, long from, long to) {
        long[] fromAt = origin.clone();
        fromAt[a] = from;
        long[] toAt = origin.clone();
        toAt[a] = to;
        MemoryDesc source = b.own(dst.submemory(slice, fromAt));
        MemoryDesc target = b.own(dst.submemory(slice, toAt));
        b.step(Convolutions.reorder(source, target), Pipeline.Arg.slot(DNNL_ARG_FROM(), source, Pipeline.OUTPUT),
                Pipeline.Arg.slot(DNNL_ARG_TO(), target, Pipeline.OUTPUT));
    }

    private static Pipeline padded(long[] srcDims, long[] dstDims, long[] offsets, float value,
                                   java.util.function.Function<Pipeline.Builder, MemoryDesc> srcMd,
                                   java.util.function.Function<Pipeline.Builder, MemoryDesc> dstMd) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc src = srcMd.apply(b);
            MemoryDesc dst = dstMd.apply(b);
            MemoryDesc window = b.own(dst.submemory(srcDims, offsets));
            long count = 1;
            for (long d : dstDims) count *= d;
            long n = count;
            // the reorder writes only the window: the border is filled first, on every call
            b.javaStep(Pipeline.OUTPUT, data -> {
                if (value == 0f) data.fill((byte) 0);
                else for (long i = 0; i < n; i++) data.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, value);
            });
            b.step(Convolutions.reorder(src, window), Pipeline.Arg.slot(DNNL_ARG_FROM(), src, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), window, Pipeline.OUTPUT));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** Cropping: reorder the window of the input that starts at {@code offsets} into the output. */
    public static Pipeline crop(long[] srcDims, long[] dstDims, long[] offsets, int srcTag, int dstTag) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc src = b.own(MemoryDesc.withTag(srcDims, dnnl_f32(), srcTag));
            MemoryDesc window = b.own(src.submemory(dstDims, offsets));
            MemoryDesc dst = b.own(MemoryDesc.withTag(dstDims, dnnl_f32(), dstTag));
            b.step(Convolutions.reorder(window, dst), Pipeline.Arg.slot(DNNL_ARG_FROM(), window, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), dst, Pipeline.OUTPUT));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Upsampling by integer factors. Nearest: oneDNN maps output index {@code o} to input
     * {@code round((o + 0.5) / f - 0.5) = o / f}, Keras' repeat, exactly. Linear: oneDNN
     * interpolates at {@code (o + 0.5) / f - 0.5} between the two nearest inputs, clamped at the
     * edges, which is TensorFlow 2's bilinear {@code tf.image.resize} (half-pixel centers).
     */
    public static Pipeline upsample(long[] srcDims, long[] dstDims, int[] factors, boolean linear, int srcTag,
                                    int dstTag) {
        // a source of one pixel is the same memory in either order: oneDNN 3.13's resampling takes
        // such a channels-last source for the destination's order and writes channels-last
        if (Arrays.stream(srcDims, 2, srcDims.length).allMatch(d -> d == 1)) srcTag = dstTag;
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc src = b.own(MemoryDesc.withTag(srcDims, dnnl_f32(), srcTag));
            MemoryDesc dst = b.own(MemoryDesc.withTag(dstDims, dnnl_f32(), dstTag));
            if (Arrays.stream(factors).allMatch(f -> f == 1)) {
                // a copy; and oneDNN 3.13's jit resampling writes up to 64 bytes past a
                // channels-first output whose spatial size is 1 (NativeBoundsTest)
                b.step(Convolutions.reorder(src, dst), Pipeline.Arg.slot(DNNL_ARG_FROM(), src, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), dst, Pipeline.OUTPUT));
                return b.build();
            }
            b.step(resampling(src, dst, factors, linear ? dnnl_resampling_linear() : dnnl_resampling_nearest()),
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), src, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** UpSampling2D's resize of {N, C, H, W} to {@code dstDims} by a method oneDNN lacks: TensorFlow's kernel, in Java. */
    public static Pipeline upsampleInJava(Resizes.Method method, long[] srcDims, long[] dstDims, boolean srcChannelsLast,
                                          boolean dstChannelsLast) {
        return Pipeline.ofJava(Resizes.javaResize(method, false, srcDims[0], srcDims[1], srcDims[2],
                srcDims[3], dstDims[2], dstDims[3], srcChannelsLast, dstChannelsLast));
    }

    private static Primitive resampling(MemoryDesc src, MemoryDesc dst, int[] factors, int algorithm) {
        float[] f = new float[factors.length];
        for (int i = 0; i < f.length; i++) f[i] = factors[i];
        return resampling(src, dst, f, algorithm);
    }

    static Primitive resampling(MemoryDesc src, MemoryDesc dst, float[] factors, int algorithm) {
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("resample").word(Replay.resamplingName(algorithm)).md(src).md(dst);
            for (float f : factors) replay.number(f);
            return Primitive.create("dnnl_resampling_forward_primitive_desc_create", replay, (out, a) -> {
                MemorySegment f = a.allocate(ValueLayout.JAVA_FLOAT, factors.length);
                for (int i = 0; i < factors.length; i++) f.setAtIndex(ValueLayout.JAVA_FLOAT, i, factors[i]);
                return dnnl_resampling_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                        algorithm, f, src.handle(), dst.handle(), attr.handle());
            });
        }
    }

}
