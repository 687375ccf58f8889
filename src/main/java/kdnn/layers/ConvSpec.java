package kdnn.layers;

import java.util.Arrays;

/**
 * The geometry of a Keras convolution of any rank (1, 2, 3), normalized to per-axis arrays, as
 * Keras' {@code base_conv.py} does it: output shapes, and the padding oneDNN needs to match
 * Keras exactly. One spec serves plain, grouped, depthwise and transposed convolutions.
 *
 * @param outputPadding a transposed convolution's {@code output_padding}, or null (Keras' default)
 */
public record ConvSpec(int rank, int[] kernel, int[] strides, Padding padding, DataFormat format,
                       int[] dilation, boolean transposed, int[] outputPadding) {

    /** Copies the arrays, so the spec is immutable. */
    public ConvSpec {
        kernel = kernel.clone();
        strides = strides.clone();
        dilation = dilation.clone();
        outputPadding = outputPadding == null ? null : outputPadding.clone();
    }

    /** The kernel's extent with dilation: (k-1)*d + 1. */
    public long effectiveKernel(int axis) {
        return (long) (kernel[axis] - 1) * dilation[axis] + 1;
    }

    /** Output length along one spatial axis, by Keras' rules ({@code <= 0} for too-small inputs). */
    public long outputLength(int axis, long n) {
        long k = effectiveKernel(axis);
        long s = strides[axis];
        if (transposed) {
            if (outputPadding == null) {
                return padding == Padding.SAME ? n * s : n * s + Math.max(k - s, 0);
            }
            long pad = padding == Padding.SAME ? k / 2 : 0;
            return (n - 1) * s + k - 2 * pad + outputPadding[axis];
        }
        return switch (padding) {
            case VALID -> n - k < 0 ? 0 : (n - k) / s + 1;
            case SAME, CAUSAL -> ceilDiv(n, s);
        };
    }

    /** Padding before the first element along one axis, in oneDNN's sense. */
    public long padBefore(int axis, long n) {
        long k = effectiveKernel(axis);
        long s = strides[axis];
        if (transposed) {
            long out = outputLength(axis, n);
            // TensorFlow's conv_transpose: the forward convolution's padding for this output size
            return padding == Padding.VALID ? 0 : Math.max((n - 1) * s + k - out, 0) / 2;
        }
        return switch (padding) {
            case VALID -> 0;
            case SAME -> sameTotal(axis, n) / 2;
            case CAUSAL -> k - 1;
        };
    }

    /** Padding after the last element; negative for a transposed kernel smaller than its stride. */
    public long padAfter(int axis, long n) {
        long k = effectiveKernel(axis);
        long s = strides[axis];
        if (transposed) {
            return (n - 1) * s + k - padBefore(axis, n) - outputLength(axis, n);
        }
        return switch (padding) {
            case VALID, CAUSAL -> 0;
            case SAME -> sameTotal(axis, n) - sameTotal(axis, n) / 2;
        };
    }

    private long sameTotal(int axis, long n) {
        long out = ceilDiv(n, strides[axis]);
        return Math.max((out - 1) * strides[axis] + effectiveKernel(axis) - n, 0);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** The spatial lengths of a Keras input shape (batch first) in this data format. */
    public long[] spatial(long[] shape) {
        int first = format == DataFormat.CHANNELS_FIRST ? 2 : 1;
        return Arrays.copyOfRange(shape, first, first + rank);
    }

    /** The channel count of a Keras input shape. */
    public long channels(long[] shape) {
        return format == DataFormat.CHANNELS_FIRST ? shape[1] : shape[shape.length - 1];
    }

    /** {@code shape} (Keras' form) with {@code zeros} (before, after per spatial axis) added; null: none. */
    long[] padded(long[] shape, int[][] zeros) {
        if (zeros == null) {
            return shape;
        }
        long[] spatial = spatial(shape);
        for (int i = 0; i < spatial.length; i++) spatial[i] += zeros[i][0] + zeros[i][1];
        return kerasShape(shape[0], spatial, channels(shape));
    }

    /**
     * True when a preceding ZeroPadding of {@code zerosFormat} can become part of this geometry's own
     * padding on an input that is {@code paddedInputShape} with it: every side's padding stays
     * inside the kernel's reach, which all oneDNN implementations take.
     */
    boolean takesInputPadding(int[][] zeros, DataFormat zerosFormat, long[] paddedInputShape) {
        if (zerosFormat != format || zeros.length != rank()) {
            return false;
        }
        long[] spatial = spatial(paddedInputShape);
        for (int i = 0; i < rank(); i++) {
            if (padBefore(i, spatial[i]) + zeros[i][0] >= effectiveKernel(i)
                    || padAfter(i, spatial[i]) + zeros[i][1] >= effectiveKernel(i)) {
                return false;
            }
        }
        return true;
    }

    /** The Keras shape with these spatial lengths and channel count. */
    public long[] kerasShape(long batch, long[] spatial, long channels) {
        long[] shape = new long[rank + 2];
        shape[0] = batch;
        if (format == DataFormat.CHANNELS_FIRST) {
            shape[1] = channels;
            System.arraycopy(spatial, 0, shape, 2, rank);
        } else {
            System.arraycopy(spatial, 0, shape, 1, rank);
            shape[rank + 1] = channels;
        }
        return shape;
    }

    /** oneDNN's logical dims {N, C, spatial...} of a Keras shape. */
    public long[] logical(long[] shape) {
        long[] spatial = spatial(shape);
        long[] dims = new long[rank + 2];
        dims[0] = shape[0];
        dims[1] = channels(shape);
        System.arraycopy(spatial, 0, dims, 2, rank);
        return dims;
    }

    /** oneDNN's strides, dilations (d - 1) and paddings for an input of these spatial lengths. */
    long[] dnnlStrides() {
        return Arrays.stream(strides).asLongStream().toArray();
    }

    long[] dnnlDilates() {
        return Arrays.stream(dilation).asLongStream().map(d -> d - 1).toArray();
    }

    long[] dnnlPadLeft(long[] spatialIn) {
        long[] p = new long[rank];
        for (int i = 0; i < rank; i++) p[i] = padBefore(i, spatialIn[i]);
        return p;
    }

    long[] dnnlPadRight(long[] spatialIn) {
        long[] p = new long[rank];
        for (int i = 0; i < rank; i++) p[i] = padAfter(i, spatialIn[i]);
        return p;
    }

    /** The output spatial lengths for these input lengths; an unknown length (-1) gives an unknown one, as in Keras. */
    long[] outputSpatial(long[] spatialIn) {
        long[] o = new long[rank];
        for (int i = 0; i < rank; i++) o[i] = spatialIn[i] < 0 ? -1 : outputLength(i, spatialIn[i]);
        return o;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvSpec c && rank == c.rank && Arrays.equals(kernel, c.kernel)
                && Arrays.equals(strides, c.strides) && padding == c.padding && format == c.format
                && Arrays.equals(dilation, c.dilation) && transposed == c.transposed
                && Arrays.equals(outputPadding, c.outputPadding);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kernel) * 31 + Arrays.hashCode(strides);
    }

    @Override
    public String toString() {
        return "ConvSpec[rank=" + rank + ", kernel=" + Arrays.toString(kernel) + ", strides=" + Arrays.toString(strides)
                + ", padding=" + padding + ", format=" + format + ", dilation=" + Arrays.toString(dilation)
                + ", transposed=" + transposed + ", outputPadding=" + Arrays.toString(outputPadding) + "]";
    }
}
