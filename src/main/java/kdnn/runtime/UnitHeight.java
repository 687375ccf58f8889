package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

/**
 * A 1D convolution as a 2D one of height 1: logical {N, C, W} becomes {N, C, 1, W}, and each
 * 1D format tag the 2D tag with the same memory order, so the caller's buffers serve unchanged.
 */
final class UnitHeight {
    private UnitHeight() {
    }

    /** Dims with a 1 inserted before the last (the width) axis: activations and weights alike. */
    static long[] dims(long[] dims) {
        long[] d = new long[dims.length + 1];
        System.arraycopy(dims, 0, d, 0, dims.length - 1);
        d[dims.length - 1] = 1;
        d[dims.length] = dims[dims.length - 1];
        return d;
    }

    /** Per-axis parameters with {@code height} for the new axis in front. */
    private static long[] axes(long height, long[] width) {
        return new long[] {height, width[0]};
    }

    static int activationTag(int tag) {
        if (tag == dnnl_nwc()) return dnnl_nhwc();
        if (tag == dnnl_ncw()) return dnnl_nchw();
        throw new IllegalArgumentException("no 2D form known for activation format tag " + tag);
    }

    static int weightsTag(int tag) {
        if (tag == dnnl_wio()) return dnnl_hwio();
        if (tag == dnnl_woi()) return dnnl_hwoi();
        if (tag == dnnl_wigo()) return dnnl_hwigo();
        throw new IllegalArgumentException("no 2D form known for weights format tag " + tag);
    }

    static Convolutions.Op op(Convolutions.Op op) {
        return new Convolutions.Op(op.transposed(), dims(op.weightsDims()), weightsTag(op.weightsTag()), op.weights(),
                op.bias(), dims(op.dstDims()), axes(1, op.strides()), axes(0, op.dilates()), axes(0, op.padLeft()),
                axes(0, op.padRight()), op.postOps());
    }

    /** The softmax axis of {N, C, W} in {N, C, 1, W}. */
    static Convolutions.Tail tail(Convolutions.Tail tail) {
        return tail.softmaxAxis() < 2 ? tail
                : new Convolutions.Tail(tail.softmaxAxis() + 1, tail.logSoftmax(), tail.javaOperation());
    }
}
