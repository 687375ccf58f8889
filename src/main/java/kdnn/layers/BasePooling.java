package kdnn.layers;

import java.lang.foreign.MemorySegment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.Tensor;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Poolings;

/**
 * Max and average pooling of every rank, as Keras' {@code Pooling1D/2D/3D}: windows of
 * {@code pool_size} every {@code strides}, TensorFlow's {@code valid} and {@code same} padding
 * (the padded cells never count). One oneDNN pooling per input shape, in the caller's layout.
 * MaxPooling1D/2D/3D and AveragePooling1D/2D/3D are thin definitions over it.
 */
public abstract class BasePooling extends Layer {
    private final Poolings.Kind kind;
    // pool_size as the kernel: the geometry (output lengths, same padding) is a convolution's
    private final ConvSpec spec;

    /** A pooling layer of the builder's arguments (subclasses in this package only). */
    protected BasePooling(PoolingBuilder<?> b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.kind = b.kind;
        int[] ones = new int[b.rank];
        java.util.Arrays.fill(ones, 1);
        this.spec = new ConvSpec(b.rank, b.poolSize, b.strides, b.padding, b.dataFormat, ones, false, null);
    }

    final Poolings.Kind kind() {
        return kind;
    }

    /** Keras' {@code pool_size} argument. */
    public final int[] poolSize() {
        return spec.kernel();
    }

    /** Keras' {@code strides} argument. */
    public final int[] strides() {
        return spec.strides();
    }

    /** Keras' {@code padding} argument. */
    public final Padding padding() {
        return spec.padding();
    }

    /** Keras' {@code data_format} argument. */
    public final DataFormat dataFormat() {
        return spec.format();
    }

    @Override
    public final long[] computeOutputShape(long[] shape) {
        int rank = spec.rank();
        if (shape.length != rank + 2) {
            throw incompatible(shape, "expected ndim=" + (rank + 2) + ", found ndim=" + shape.length);
        }
        for (int a = 1; a < shape.length; a++) {
            // an unknown length (a model for any image size) is known at the call
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
        }
        long[] spatial = spec.spatial(shape);
        long[] out = spec.outputSpatial(spatial);
        for (int i = 0; i < rank; i++) {
            if (out[i] <= 0 && spatial[i] >= 0) {
                // TensorFlow's words for a valid window longer than the input
                throw new IllegalArgumentException("Negative dimension size caused by subtracting " + spec.kernel()[i]
                        + " from " + spatial[i] + " in layer \"" + name() + "\" (" + className() + ", pool_size="
                        + Shapes.format(spec.kernel()) + ", padding=\"valid\"): the input " + Shapes.format(shape)
                        + " is smaller than one window along spatial axis " + i);
            }
        }
        return spec.kerasShape(shape[0], out, spec.channels(shape));
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        // no weights
    }

    /** Additions or comparisons: one per window cell of each output. */
    @Override
    long work(long[] inputShape) {
        long n = 1;
        for (long d : computeOutputShape(inputShape)) n *= Math.max(d, 0);
        for (int k : spec.kernel()) n *= k;
        return n;
    }

    /** A maximum or a mean of input values: no output exceeds the largest input. */
    @Override
    double outputBound(double inputBound) {
        return inputBound;
    }

    /** oneDNN's max pooling may skip a NaN that TensorFlow passes on: max pooling checks its input. */
    @Override
    KerasExtremes kerasExtremes() {
        return kind == Poolings.Kind.MAX ? KerasExtremes.MOVES_VALUES : null;
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        // windows start where the pipeline's do: a folded ZeroPadding's cells come before the pooling's own
        int[][] zeros = variant.inputPadding();
        long[] padLeft = spec.dnnlPadLeft(spec.spatial(paddedShape(inputShape, zeros == null ? new int[spec.rank()][2] : zeros)));
        for (int i = 0; zeros != null && i < padLeft.length; i++) padLeft[i] += zeros[i][0];
        PoolingExtremes.restoreMax(input, output, spec.logical(inputShape),
                spec.logical(outputShape), spec.kernel(), spec.strides(), padLeft,
                variant.inputChannelsLast(spec.format()), variant.outputChannelsLast(spec.format()));
    }

    /**
     * Max pooling takes a preceding ZeroPadding as its own padding, which oneDNN leaves out of
     * the maximum: the same values where the padded input is never negative, which the planner
     * checks (the zeros then never win over a window's real values).
     */
    @Override
    boolean acceptsInputPadding(int[][] padding, DataFormat format, long[] paddedInputShape) {
        return kind == Poolings.Kind.MAX && spec.takesInputPadding(padding, format, paddedInputShape);
    }

    @Override
    final long[] paddedShape(long[] shape, int[][] padding) {
        return spec.padded(shape, padding);
    }

    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
        int rank = spec.rank();
        int[][] padding = variant.inputPadding() == null ? new int[rank][2] : variant.inputPadding();
        long[] padded = paddedShape(inputShape, padding);
        long[] spatialIn = spec.spatial(padded);
        long[] padLeft = spec.dnnlPadLeft(spatialIn);
        long[] padRight = spec.dnnlPadRight(spatialIn);
        for (int i = 0; i < rank; i++) {
            padLeft[i] += padding[i][0];
            padRight[i] += padding[i][1];
        }
        int srcTag = variant.inputChannelsLast(spec.format()) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        int dstTag = variant.outputChannelsLast(spec.format()) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        return Poolings.pool(kind, spec.logical(inputShape), spec.logical(computeOutputShape(padded)), srcTag, dstTag,
                longs(spec.kernel()), longs(spec.strides()), padLeft, padRight);
    }

    private static long[] longs(int[] values) {
        return java.util.Arrays.stream(values).asLongStream().toArray();
    }

    /** Keras' config keys, in Keras' order: pool_size, padding, strides, data_format. */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        var pool = c.putArray("pool_size");
        for (int k : spec.kernel()) pool.add(k);
        c.put("padding", spec.padding().kerasName());
        var strides = c.putArray("strides");
        for (int s : spec.strides()) strides.add(s);
        c.put("data_format", spec.format().kerasName());
        return c;
    }
}
