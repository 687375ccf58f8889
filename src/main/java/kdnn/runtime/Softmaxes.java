package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.util.Arrays;

/**
 * Softmax and log-softmax of a row-major tensor over one or several axes (one softmax over all
 * the values that differ only along them). Axes that end the shape in one run are one oneDNN
 * softmax over a (rows, length) view; other axes are brought to the end by a reorder into a
 * buffer and back after.
 */
public final class Softmaxes {
    private Softmaxes() {
    }

    /** Softmax ({@code log}: log-softmax) of a row-major tensor of {@code dims} over {@code axes} (sorted, distinct). */
    public static Pipeline softmax(long[] dims, int[] axes, boolean log) {
        return softmax(dims, axes, log, null);
    }

    /** As {@link #softmax(long[], int[], boolean)}, then {@code then} (null: nothing) from the input into the output. */
    public static Pipeline softmax(long[] dims, int[] axes, boolean log, Pipeline.SlotTransfer then) {
        int rank = dims.length;
        // the permutation that moves the softmax axes last, keeping the order of the others
        int[] perm = new int[rank];
        int k = 0;
        for (int a = 0; a < rank; a++) {
            if (Arrays.binarySearch(axes, a) < 0) perm[k++] = a;
        }
        for (int a : axes) perm[k++] = a;
        boolean inPlace = true;
        for (int a = 0; a < rank; a++) inPlace &= perm[a] == a;
        long length = 1;
        for (int a : axes) length *= dims[a];
        long rows = 1;
        for (long d : dims) rows *= d;
        rows /= length;
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc flat = b.own(MemoryDesc.rowMajor(rows, length));
            if (inPlace) {
                b.step(softmax(flat, log), Pipeline.Arg.slot(DNNL_ARG_SRC(), flat, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), flat, Pipeline.OUTPUT));
                if (then != null) b.javaStep(Pipeline.INPUT, Pipeline.OUTPUT, then);
                return b.build();
            }
            long[] strides = MemoryDesc.rowMajorStrides(dims);
            long[] moved = new long[rank];
            long[] movedStrides = new long[rank];
            for (int a = 0; a < rank; a++) {
                moved[a] = dims[perm[a]];
                movedStrides[a] = strides[perm[a]];
            }
            // the same values twice: the caller's tensor seen in the moved axis order, and that order stored row-major
            MemoryDesc user = b.own(MemoryDesc.withStrides(moved, movedStrides, dnnl_f32()));
            MemoryDesc packed = b.own(MemoryDesc.rowMajor(moved));
            int buffer = b.buffer(packed.byteSize());
            b.step(Convolutions.reorder(user, packed), Pipeline.Arg.slot(DNNL_ARG_FROM(), user, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), packed, buffer));
            b.step(softmax(flat, log), Pipeline.Arg.slot(DNNL_ARG_SRC(), flat, buffer),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), flat, buffer));
            b.step(Convolutions.reorder(packed, user), Pipeline.Arg.slot(DNNL_ARG_FROM(), packed, buffer),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), user, Pipeline.OUTPUT));
            if (then != null) b.javaStep(Pipeline.INPUT, Pipeline.OUTPUT, then);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    private static Primitive softmax(MemoryDesc rows, boolean log) {
        return Convolutions.softmax(rows, 1, log);
    }
}
