/**
 * Keras layers run by oneDNN: one class per Keras class (the convolutions, cropping, padding and
 * upsampling, pooling, normalization, dense, activations, dropout family, reshapes and merges),
 * each with every argument Keras documents and Keras' exact semantics.
 *
 * <p>A layer comes from a builder ({@code Conv2D.builder(8, 3, 3)}) or from its Keras config
 * ({@link kdnn.layers.Layers#fromConfig}); {@link kdnn.layers.Layer#build} creates its weights,
 * {@link kdnn.layers.Layer#setWeights} takes Keras' {@code get_weights()} arrays, and
 * {@link kdnn.layers.Layer#call} runs it. Bad arguments are refused at construction with Keras'
 * wording; layers are thread-safe and closeable. Layers are defined only in this package:
 * what they run on is internal.
 */
package kdnn.layers;
