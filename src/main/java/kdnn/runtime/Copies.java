package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

/**
 * Pipelines of the layers that only rearrange values (Reshape, Flatten, Permute, RepeatVector,
 * and the layers that are the identity at inference): one reorder or concat, so every value
 * arrives bit for bit, NaN and infinities included.
 */
public final class Copies {
    private Copies() {
    }

    /** {@code count} values copied as they are. */
    public static Pipeline copy(long count) {
        return permute(new long[] {count}, new int[] {0});
    }

    /**
     * A row-major tensor of {@code dims} transposed: output axis {@code a} is input axis
     * {@code perm[a]} (numpy's transpose), written row-major. One reorder whose source is the
     * input seen through permuted strides; the identity permutation is a plain copy.
     */
    public static Pipeline permute(long[] dims, int[] perm) {
        long[] strides = MemoryDesc.rowMajorStrides(dims);
        long[] outDims = new long[dims.length];
        long[] srcStrides = new long[dims.length];
        for (int a = 0; a < dims.length; a++) {
            outDims[a] = dims[perm[a]];
            srcStrides[a] = strides[perm[a]];
        }
        return stridedCopy(outDims, srcStrides);
    }

    /**
     * NumPy's {@code tile(x, reps)} of a row-major tensor of {@code dims}: output axis {@code a}
     * holds {@code reps[a]} copies of the input's. One reorder whose source is the input seen with
     * a zero stride for each copy's axis.
     */
    public static Pipeline tile(long[] dims, int[] reps) {
        long[] strides = MemoryDesc.rowMajorStrides(dims);
        java.util.List<long[]> axes = new java.util.ArrayList<>(); // {length, source stride}
        for (int a = 0; a < dims.length; a++) {
            if (reps[a] != 1) axes.add(new long[] {reps[a], 0});
            axes.add(new long[] {dims[a], strides[a]});
        }
        return broadcast(axes);
    }

    /**
     * NumPy's {@code repeat(x, n, axis)} of a row-major tensor of {@code dims}: each element {@code n}
     * times in a row along {@code axis}. One reorder whose source is the input seen with a zero
     * stride for the repetitions.
     */
    public static Pipeline repeat(long[] dims, int axis, int n) {
        long[] strides = MemoryDesc.rowMajorStrides(dims);
        java.util.List<long[]> axes = new java.util.ArrayList<>();
        for (int a = 0; a < dims.length; a++) {
            axes.add(new long[] {dims[a], strides[a]});
            if (a == axis) axes.add(new long[] {n, 0});
        }
        return broadcast(axes);
    }

    /** A row-major output of these axes ({length, source stride} each) read from the input by their strides. */
    private static Pipeline broadcast(java.util.List<long[]> axes) {
        return stridedCopy(axes.stream().mapToLong(x -> x[0]).toArray(), axes.stream().mapToLong(x -> x[1]).toArray());
    }

    /** One reorder into a row-major output of {@code outDims}, the input read through {@code srcStrides}. */
    private static Pipeline stridedCopy(long[] outDims, long[] srcStrides) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc src = b.own(MemoryDesc.withStrides(outDims, srcStrides, dnnl_f32()));
            MemoryDesc dst = b.own(MemoryDesc.rowMajor(outDims));
            b.step(Convolutions.reorder(src, dst), Pipeline.Arg.slot(DNNL_ARG_FROM(), src, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), dst, Pipeline.OUTPUT));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Keras' RepeatVector: a (batch, features) input to (batch, n, features), every row
     * {@code n} times. One concat of {@code n} views of the input, each seen as
     * (batch, 1, features), along axis 1.
     */
    public static Pipeline repeat(long batch, long features, long n) {
        Pipeline.Builder b = Pipeline.builder();
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemoryDesc row = b.own(MemoryDesc.rowMajor(batch, 1, features));
            MemoryDesc dst = b.own(MemoryDesc.rowMajor(batch, n, features));
            java.lang.foreign.MemorySegment sources = a.allocate(java.lang.foreign.ValueLayout.ADDRESS, n);
            Pipeline.Arg[] args = new Pipeline.Arg[Math.toIntExact(n + 1)];
            for (int i = 0; i < n; i++) {
                sources.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, i, row.handle());
                args[i] = Pipeline.Arg.slot(DNNL_ARG_MULTIPLE_SRC() + i, row, Pipeline.INPUT);
            }
            args[args.length - 1] = Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT);
            Primitive concat;
            try (Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("concat").md(dst).number(1).number(n);
                for (int i = 0; i < n; i++) replay.md(row);
                concat = Primitive.create("dnnl_concat_primitive_desc_create", replay, (out, x) ->
                        dnnl_concat_primitive_desc_create(out, Engine.cpu(), dst.handle(), (int) n, 1, sources,
                                attr.handle()));
            }
            b.step(concat, args);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }
}
