package kdnn.layers;

import java.util.List;

/**
 * A product of two tensors written as an operation in a file (tf.linalg.matmul, ops.matmul, ops.einsum): its
 * operands align themselves (no rank broadcasting of the merge layers), its result has no place in a channels-first
 * copy of them, it carries no bound from theirs (a sum of products), and masks stop at it.
 */
abstract class TensorProduct extends Merge {
    TensorProduct(String name, boolean trainable) {
        super(name, trainable);
    }

    /** An operation, not a Keras layer: masks stop here. */
    @Override
    final kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.DROPS;
    }

    @Override
    final long[] ranked(long[] shape, int outputRank) {
        return shape; // the product aligns the operands itself
    }

    @Override
    final boolean acceptsChannelsLast(List<long[]> shapes) {
        return false;
    }

    @Override
    final double mergedBound(double[] inputBounds) {
        return Double.NaN;
    }
}
