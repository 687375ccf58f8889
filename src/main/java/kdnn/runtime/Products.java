package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

/**
 * Keras' {@code batch_dot} (the Dot layer): per sample, the sum over one axis of each input of
 * their products, as one oneDNN matmul. The first input, its contracted axis moved last and its
 * other axes folded, is {@code (B, P, k)}; the second, its contracted axis moved first, is
 * {@code (B, k, Q)}; the product {@code (B, P, Q)} is the output in Keras' order (the first
 * input's other axes, then the second's). An input whose other axes lie on both sides of the
 * contracted one is copied into that order first; otherwise the matmul reads it in place, strided.
 */
public final class Products {
    private Products() {
    }

    /**
     * The pipeline for row-major inputs of {@code x} and {@code y} (batch axis first) contracted
     * over {@code xAxis} and {@code yAxis}; with {@code normalizeFloor} not NaN, each input is first
     * scaled to unit L2 norm along its axis, {@code x * rsqrt(max(sum(x * x), floor))}.
     */
    public static Pipeline batchDot(long[] x, int xAxis, long[] y, int yAxis, float normalizeFloor) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            if (x[xAxis] == 0) {
                // sums over nothing: zeros, as TensorFlow's matmul gives them
                b.javaStep(Pipeline.OUTPUT, out -> out.fill((byte) 0));
                return b.build();
            }
            int xSlot = Pipeline.INPUT;
            int ySlot = b.input(1);
            if (!Float.isNaN(normalizeFloor)) {
                int nx = b.buffer(Math.multiplyExact(product(x), Float.BYTES));
                int ny = b.buffer(Math.multiplyExact(product(y), Float.BYTES));
                LayerNorms.appendUnitNorm(b, x, new int[] {xAxis}, xSlot, nx, normalizeFloor);
                LayerNorms.appendUnitNorm(b, y, new int[] {yAxis}, ySlot, ny, normalizeFloor);
                xSlot = nx;
                ySlot = ny;
            }
            long batch = x[0];
            long k = x[xAxis];
            long p = product(x) / batch / k;
            long q = product(y) / batch / k;
            Operand a = operand(b, x, xAxis, xSlot, true);
            Operand w = operand(b, y, yAxis, ySlot, false);
            MemoryDesc src = b.own(MemoryDesc.withStrides(new long[] {batch, p, k}, a.strides, dnnl_f32()));
            MemoryDesc weights = b.own(MemoryDesc.withStrides(new long[] {batch, k, q}, w.strides, dnnl_f32()));
            MemoryDesc dst = b.own(MemoryDesc.rowMajor(batch, p, q));
            Primitive mm;
            try (Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("matmul").md(src).md(weights).md(null).md(dst).post(java.util.List.of());
                mm = Primitive.create("dnnl_matmul_primitive_desc_create", replay, (out, arena) ->
                        dnnl_matmul_primitive_desc_create(out, Engine.cpu(), src.handle(), weights.handle(),
                                java.lang.foreign.MemorySegment.NULL, dst.handle(), attr.handle()));
            }
            b.step(mm, Pipeline.Arg.slot(DNNL_ARG_SRC(), src, a.slot), Pipeline.Arg.slot(DNNL_ARG_WEIGHTS(), weights, w.slot),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * NumPy's {@code matmul} of two row-major tensors of the output's rank (an axis of length 1
     * broadcast): the last two axes multiplied, {@code transposeA}/{@code transposeB} read as
     * swapped strides; one oneDNN matmul reading both in place.
     */
    public static Pipeline matmul(long[] a, boolean transposeA, long[] b, boolean transposeB, long[] out) {
        Pipeline.Builder p = Pipeline.builder();
        try {
            int r = out.length;
            long k = a[transposeA ? r - 2 : r - 1];
            if (k == 0) {
                p.javaStep(Pipeline.OUTPUT, o -> o.fill((byte) 0));
                return p.build();
            }
            MemoryDesc src = p.own(strided(a, transposeA));
            MemoryDesc weights = p.own(strided(b, transposeB));
            MemoryDesc dst = p.own(MemoryDesc.rowMajor(out));
            Primitive mm;
            try (Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("matmul").md(src).md(weights).md(null).md(dst).post(java.util.List.of());
                mm = Primitive.create("dnnl_matmul_primitive_desc_create", replay, (o, arena) ->
                        dnnl_matmul_primitive_desc_create(o, Engine.cpu(), src.handle(), weights.handle(),
                                java.lang.foreign.MemorySegment.NULL, dst.handle(), attr.handle()));
            }
            p.step(mm, Pipeline.Arg.slot(DNNL_ARG_SRC(), src, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_WEIGHTS(), weights, p.input(1)),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            return p.build();
        } catch (RuntimeException | Error e) {
            p.discard();
            throw e;
        }
    }

    /** A row-major tensor seen with its last two axes swapped when {@code transpose}. */
    private static MemoryDesc strided(long[] shape, boolean transpose) {
        long[] strides = MemoryDesc.rowMajorStrides(shape);
        if (!transpose) return MemoryDesc.withStrides(shape, strides, dnnl_f32());
        int r = shape.length;
        long[] dims = shape.clone();
        dims[r - 2] = shape[r - 1];
        dims[r - 1] = shape[r - 2];
        long s = strides[r - 2];
        strides[r - 2] = strides[r - 1];
        strides[r - 1] = s;
        return MemoryDesc.withStrides(dims, strides, dnnl_f32());
    }

    /** Where an operand's {@code (B, rows, cols)} view lives and its strides. */
    private record Operand(int slot, long[] strides) {
    }

    /**
     * The operand as {@code (B, P, k)} ({@code first}) or {@code (B, k, Q)}: strided in place when
     * its other axes are all on one side of the contracted axis, else reordered into that layout.
     */
    private static Operand operand(Pipeline.Builder b, long[] shape, int axis, int slot, boolean first) {
        long[] rowMajor = MemoryDesc.rowMajorStrides(shape);
        long batch = shape[0];
        long k = shape[axis];
        long before = 1;
        long after = 1;
        for (int i = 1; i < axis; i++) before *= shape[i];
        for (int i = axis + 1; i < shape.length; i++) after *= shape[i];
        long other = before * after;
        long kStride = rowMajor[axis];
        if (before == 1 || after == 1) {
            // the other axes fold into one stride: right after the batch (before) or after the axis (after)
            long otherStride = after == 1 ? (axis > 1 ? rowMajor[axis - 1] : 0) : 1;
            if (other == 1) otherStride = 0;
            long[] strides = first ? new long[] {rowMajor[0], otherStride, kStride} : new long[] {rowMajor[0], kStride, otherStride};
            return new Operand(slot, fix(strides, first ? new long[] {batch, other, k} : new long[] {batch, k, other}));
        }
        // (B, before, k, after) into (B, before, after, k) or (B, k, before, after), row-major
        long[] from = {batch, before, k, after};
        long[] fromStrides = {rowMajor[0], k * after, after, 1};
        int[] order = first ? new int[] {0, 1, 3, 2} : new int[] {0, 2, 1, 3};
        long[] dims = new long[4];
        long[] strides = new long[4];
        for (int i = 0; i < 4; i++) {
            dims[i] = from[order[i]];
            strides[i] = fromStrides[order[i]];
        }
        MemoryDesc view = b.own(MemoryDesc.withStrides(dims, strides, dnnl_f32()));
        MemoryDesc dense = b.own(MemoryDesc.rowMajor(dims));
        int copy = b.buffer(Math.multiplyExact(product(shape), Float.BYTES));
        b.step(Convolutions.reorder(view, dense), Pipeline.Arg.slot(DNNL_ARG_FROM(), view, slot),
                Pipeline.Arg.slot(DNNL_ARG_TO(), dense, copy));
        return new Operand(copy, first ? new long[] {other * k, k, 1} : new long[] {k * other, other, 1});
    }

    /** Strides with those of axes of length 1 set as row-major order would set them (they are never stepped). */
    private static long[] fix(long[] strides, long[] dims) {
        long[] s = strides.clone();
        long dense = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            if (s[i] == 0 || dims[i] == 1) s[i] = dense;
            dense = Math.max(dense, s[i] * dims[i]);
        }
        return s;
    }

    private static long product(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
