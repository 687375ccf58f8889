package kdnn.layers;

/**
 * A layer for an operation that Keras itself has no layer for: a TensorFlow function or
 * {@code keras.ops} call on a Keras tensor, read from tf.keras' {@code TFOpLambda} or a Keras 3
 * operation and written back in the same form. A file holds one per call, in a functional model;
 * TF.js holds none.
 */
public sealed interface KerasOperation permits TrueDivide, TensorDivide, ConstantDivide, GetItem, Stack, Squeeze, MathFunction,
        Split, Reduce, Pad, Matmul, ConstantFunction, BlockShuffle, Normalize, Tile,
        Repeat, RgbToGrayscale, Take,
        PerImageStandardization, Moments, ConstantMatmul,
        LocalResponseNormalization, ArgReduce, Einsum, LogSumExp {
    /** tf.keras' function name ({@code "math.truediv"}) of the TFOpLambda or SlicingOpLambda. */
    String tfFunction();

    /** The module Keras 3 keeps the operation's class in ({@code "keras.src.ops.numpy"}). */
    default String keras3Module() {
        return "keras.src.ops.numpy";
    }
}
