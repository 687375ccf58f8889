/**
 * {@link kdnn.Tensor}: float32 values in native memory, in Keras' shape and row-major order, the
 * inputs and outputs of layers and models. Tensors are closed by their owner (a cleaner frees
 * forgotten ones); every method after close throws {@link java.lang.IllegalStateException}.
 */
package kdnn;
