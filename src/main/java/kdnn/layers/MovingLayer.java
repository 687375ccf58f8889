package kdnn.layers;

/**
 * A layer that only moves its input's values (Flatten, Reshape, Permute, RepeatVector, GetItem):
 * no weights, work counted by the values it writes, and its output bounded as its input is.
 */
abstract class MovingLayer extends Layer {
    MovingLayer(String name, long[] declaredInputShape, boolean trainable) {
        super(name, declaredInputShape, trainable);
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        // no weights
    }

    /** A copy is memory-bound: count the values written. */
    @Override
    final long work(long[] inputShape) {
        return ElementwiseLayer.count(computeOutputShape(inputShape));
    }

    @Override
    final double outputBound(double inputBound) {
        return inputBound;
    }
}
