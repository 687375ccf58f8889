package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' DepthwiseConv2D: each input channel convolved with its own depth_multiplier kernels (kernel (kh, kw, in, depth_multiplier)). */
public final class DepthwiseConv2D extends BaseDepthwiseConv {
    /** Keras' class name, {@code "DepthwiseConv2D"}. */
    public static final String CLASS_NAME = "DepthwiseConv2D";

    private DepthwiseConv2D(ConvBuilder<DepthwiseConv2D> b) {
        super(b);
    }

    private static ConvBuilder<DepthwiseConv2D> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.DEPTHWISE, 2, CLASS_NAME, DepthwiseConv2D::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<DepthwiseConv2D> builder(int... kernelSize) {
        return newBuilder().kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static DepthwiseConv2D fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static DepthwiseConv2D fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
