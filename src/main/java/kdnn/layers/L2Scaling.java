package kdnn.layers;

import kdnn.keras.Axes;

/**
 * A layer that scales each slice of {@code axis} by a function of its sum of squares (Keras'
 * UnitNormalization, Keras 3's {@code ops.normalize}): the shape kept, the axes checked against
 * the input as Keras checks them, no weights.
 */
abstract class L2Scaling extends Layer {
    final Axes axis;

    L2Scaling(String name, long[] batchInputShape, boolean trainable, Axes axis) {
        super(name, batchInputShape, trainable);
        this.axis = axis;
    }

    @Override
    public final long[] computeOutputShape(long[] shape) {
        NormalizedAxes.given(this, shape, axis.values());
        return shape.clone();
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        NormalizedAxes.given(this, inputShape, axis.values());
    }

    /** Squares, a sum, a scale and a product per value. */
    @Override
    final long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape) * 3;
    }

    /** The axes in the order the input has them, for the pipeline. */
    final int[] sortedAxes(long[] inputShape) {
        return NormalizedAxes.sorted(this, inputShape, axis.values());
    }
}
