package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' DepthwiseConv1D: each input channel convolved with its own depth_multiplier kernels (kernel (k, in, depth_multiplier)). */
public final class DepthwiseConv1D extends BaseDepthwiseConv {
    /** Keras' class name, {@code "DepthwiseConv1D"}. */
    public static final String CLASS_NAME = "DepthwiseConv1D";

    private DepthwiseConv1D(ConvBuilder<DepthwiseConv1D> b) {
        super(b);
    }

    private static ConvBuilder<DepthwiseConv1D> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.DEPTHWISE, 1, CLASS_NAME, DepthwiseConv1D::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<DepthwiseConv1D> builder(int... kernelSize) {
        return newBuilder().kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static DepthwiseConv1D fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static DepthwiseConv1D fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
