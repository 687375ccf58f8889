package kdnn.layers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.DoubleUnaryOperator;
import kdnn.Tensor;
import kdnn.runtime.Pipeline;

/**
 * A layer whose output at each position depends only on the input there (activations, the ReLU
 * family, and the layers that are the identity at inference): inputs of any rank, no weights, the
 * shape kept. Its pipeline sees the tensor as one flat run of values, so it runs on a tensor
 * stored in any memory order.
 */
abstract class ElementwiseLayer extends Layer {
    ElementwiseLayer(LayerBuilder<?, ?> b) {
        super(b.name, b.batchInputShape, b.trainable);
    }

    /** The input rank Keras requires (its input spec's {@code ndim}), or 0 for any rank. */
    int requiredRank() {
        return 0;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        checkShape(shape, requiredRank());
        return shape.clone();
    }

    /** Keras' input check: the rank ({@code rank} 0: any rank but 0), every dimension but the batch positive. */
    final void checkShape(long[] shape, int rank) {
        if (rank > 0 && shape.length != rank) {
            throw incompatible(shape, "expected ndim=" + rank + ", found ndim=" + shape.length);
        }
        if (shape.length == 0) {
            throw incompatible(shape, "expected min_ndim=1, found ndim=0");
        }
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
        }
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    boolean elementwise() {
        return true;
    }

    /** Element-wise work is memory-bound: count the values written, as the copies do. */
    @Override
    long work(long[] inputShape) {
        return count(inputShape);
    }

    /** The dims of an operand broadcast against the last axis of a tensor of this rank: 1, ..., 1, length. */
    static long[] lastAxisDims(int rank, int length) {
        long[] d = new long[rank];
        java.util.Arrays.fill(d, 1);
        d[rank - 1] = length;
        return d;
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= Math.max(d, 0);
        return n;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return pipeline(count(inputShape));
    }

    /** The oneDNN pipeline over {@code count} values. */
    abstract Pipeline pipeline(long count);

    /**
     * Keras' value of one element where the input is NaN, infinite or beyond
     * {@link KerasExtremes#LIMIT}; null when the oneDNN form gives Keras' values for every input
     * (checked for each layer by {@code ActivationLayersTest}).
     */
    DoubleUnaryOperator atExtremes() {
        return null;
    }

    /**
     * A bound on |y| for |x| at most {@code pre}; NaN when unknown. Called only for a finite,
     * non-negative {@code pre}.
     */
    abstract double bound(double pre);

    @Override
    final double outputBound(double inputBound) {
        return inputBound < Double.POSITIVE_INFINITY ? bound(inputBound) : inputBound;
    }

    @Override
    KerasExtremes kerasExtremes() {
        return atExtremes() == null ? null : KerasExtremes.MOVES_VALUES;
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        patch(input, output, atExtremes());
    }

    /** Writes {@code keras(x)} wherever x is NaN, infinite or beyond {@link KerasExtremes#LIMIT}. */
    static void patch(MemorySegment input, MemorySegment output, DoubleUnaryOperator keras) {
        long n = output.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            float x = input.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (!(Math.abs(x) < KerasExtremes.LIMIT)) {
                output.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) keras.applyAsDouble(x));
            }
        }
    }
}
