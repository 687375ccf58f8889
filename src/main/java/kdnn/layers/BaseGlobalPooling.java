package kdnn.layers;

import java.lang.foreign.MemorySegment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.Tensor;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Poolings;

/**
 * Global max and average pooling of every rank, as Keras' {@code GlobalPooling1D/2D/3D}: one
 * value per channel over every spatial axis, the spatial axes dropped (or kept with length 1
 * under {@code keepdims}). One oneDNN pooling whose window is the whole input. The six Keras
 * classes are thin definitions over it.
 */
public abstract class BaseGlobalPooling extends Layer {
    private final Poolings.Kind kind;
    private final int rank;
    private final DataFormat format;
    private final boolean keepdims;

    /** A global pooling layer of the builder's arguments (subclasses in this package only). */
    protected BaseGlobalPooling(GlobalPoolingBuilder<?> b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.kind = b.kind;
        this.rank = b.rank;
        this.format = b.dataFormat;
        this.keepdims = b.keepdims;
    }

    final Poolings.Kind kind() {
        return kind;
    }

    /** Keras' {@code data_format} argument. */
    public final DataFormat dataFormat() {
        return format;
    }

    /** Keras' {@code keepdims} argument. */
    public final boolean keepdims() {
        return keepdims;
    }

    private boolean channelsFirst() {
        return format == DataFormat.CHANNELS_FIRST;
    }

    @Override
    public final long[] computeOutputShape(long[] shape) {
        if (shape.length != rank + 2) {
            throw incompatible(shape, "expected ndim=" + (rank + 2) + ", found ndim=" + shape.length);
        }
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
        }
        long channels = channelsFirst() ? shape[1] : shape[rank + 1];
        if (!keepdims) {
            return new long[] {shape[0], channels};
        }
        long[] out = new long[rank + 2];
        java.util.Arrays.fill(out, 1);
        out[0] = shape[0];
        out[channelsFirst() ? 1 : rank + 1] = channels;
        return out;
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        // no weights
    }

    /** One addition or comparison per input element. */
    @Override
    long work(long[] inputShape) {
        long n = 1;
        for (long d : inputShape) n *= Math.max(d, 0);
        return n;
    }

    @Override
    double outputBound(double inputBound) {
        return inputBound;
    }

    /** oneDNN's max pooling may skip a NaN that TensorFlow's reduce_max passes on. */
    @Override
    KerasExtremes kerasExtremes() {
        return kind == Poolings.Kind.MAX ? KerasExtremes.MOVES_VALUES : null;
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        long[] src = logical(inputShape);
        int[] window = new int[rank];
        for (int i = 0; i < rank; i++) window[i] = Math.toIntExact(src[2 + i]);
        // one cell per channel: the output's bytes are the same in either order
        PoolingExtremes.restoreMax(input, output, src, dstDims(src), window, window, new long[rank],
                variant.inputChannelsLast(format), true);
    }

    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] src = logical(inputShape);
        long[] window = java.util.Arrays.copyOfRange(src, 2, src.length);
        int srcTag = variant.inputChannelsLast(format) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        return Poolings.pool(kind, src, dstDims(src), srcTag, Convolutions.channelsLastTag(rank), window, window,
                new long[rank], new long[rank]);
    }

    private long[] dstDims(long[] src) {
        long[] dst = new long[rank + 2];
        java.util.Arrays.fill(dst, 1);
        dst[0] = src[0];
        dst[1] = src[1];
        return dst;
    }

    /** oneDNN's logical dims {N, C, spatial...} of a Keras shape. */
    private long[] logical(long[] shape) {
        long[] d = new long[rank + 2];
        d[0] = shape[0];
        d[1] = channelsFirst() ? shape[1] : shape[rank + 1];
        for (int i = 0; i < rank; i++) d[2 + i] = shape[channelsFirst() ? 2 + i : 1 + i];
        return d;
    }

    /**
     * GlobalAveragePooling1D reads Keras' mask (an average over the steps that count) and its
     * output carries none; the other global poolings drop it.
     */
    @Override
    final kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return readsMask() ? kdnn.internal.MaskUse.READS : kdnn.internal.MaskUse.DROPS;
    }

    private boolean readsMask() {
        return kind == Poolings.Kind.AVERAGE && rank == 1;
    }

    /** GlobalAveragePooling1D's output with its mask {@code (batch, steps)}. */
    @Override
    final java.util.List<long[]> maskedOutputShapes(java.util.List<long[]> shapes, long[] mask) {
        if (!readsMask() || shapes.size() != 1) return super.maskedOutputShapes(shapes, mask);
        long[] in = shapes.get(0);
        int steps = channelsFirst() ? 2 : 1;
        boolean fits = in.length == 3 && mask.length == 2 && (mask[0] == in[0] || mask[0] < 0 || in[0] < 0)
                && (mask[1] == in[steps] || mask[1] < 0 || in[steps] < 0);
        if (!fits) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (" + className() + "): the mask must be (batch,"
                    + " steps) of the input " + Shapes.format(in) + ", got " + Shapes.format(mask));
        }
        return java.util.List.of(computeOutputShape(in));
    }

    /**
     * Keras' masked mean over the steps (0 / 0 where all are masked): tf.keras' {@code
     * sum(x * mask) / sum(mask)}, where a masked NaN or infinity still makes NaN, and Keras 3's
     * {@code sum(where(mask, x, 0)) / sum(mask)}, where it does not.
     */
    @Override
    final double runMaskedInputs(long[][] shapes, MemorySegment[] inputs, long[] maskShape, MemorySegment mask,
                                 MemorySegment output, double[] bounds) {
        long stamp = enter();
        try {
            maskedOutputShapes(java.util.Arrays.asList(shapes), maskShape);
            long[] in = shapes[0];
            long batch = in[0];
            long steps = channelsFirst() ? in[2] : in[1];
            long channels = channelsFirst() ? in[1] : in[2];
            var f = java.lang.foreign.ValueLayout.JAVA_FLOAT;
            boolean keras3 = kdnn.internal.LayerBridge.get().rules(this) == KerasVersion.KERAS_3;
            for (long n = 0; n < batch; n++) {
                float count = 0;
                for (long t = 0; t < steps; t++) count += mask.getAtIndex(f, n * steps + t);
                for (long c = 0; c < channels; c++) {
                    float sum = 0;
                    for (long t = 0; t < steps; t++) {
                        long at = channelsFirst() ? (n * channels + c) * steps + t : (n * steps + t) * channels + c;
                        float m = mask.getAtIndex(f, n * steps + t);
                        float x = inputs[0].getAtIndex(f, at);
                        sum += keras3 ? (m != 0 ? x : 0f) : x * m;
                    }
                    output.setAtIndex(f, n * channels + c, sum / count);
                }
            }
            return Double.NaN;
        } finally {
            exitCall(stamp);
        }
    }

    /** Keras' config keys: data_format, keepdims. */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("data_format", format.kerasName());
        c.put("keepdims", keepdims);
        return c;
    }
}
