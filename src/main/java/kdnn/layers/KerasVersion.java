package kdnn.layers;

/**
 * Whose rules a layer follows where Keras 2 (tf-keras) and Keras 3 differ. Keras 2 is the
 * default everywhere; a loader of a Keras 3 file asks for {@link #KERAS_3}.
 */
public enum KerasVersion {
    /** tf-keras 2.x: e.g. no depthwise or separable convolution with both strides and dilation above 1. */
    KERAS_2,
    /**
     * Keras 3: depthwise and separable convolutions take strides and dilation above 1 together,
     * SeparableConv1D refuses {@code causal}, Conv3DTranspose honours {@code dilation_rate}.
     */
    KERAS_3
}
