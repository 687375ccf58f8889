package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' SeparableConv2D: a depthwise convolution (depth_multiplier outputs per channel) then a 1x1 convolution with bias and activation. */
public final class SeparableConv2D extends BaseSeparableConv {
    /** Keras' class name, {@code "SeparableConv2D"}. */
    public static final String CLASS_NAME = "SeparableConv2D";

    private SeparableConv2D(ConvBuilder<SeparableConv2D> b) {
        super(b);
    }

    private static ConvBuilder<SeparableConv2D> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.SEPARABLE, 2, CLASS_NAME, SeparableConv2D::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<SeparableConv2D> builder(int filters, int... kernelSize) {
        return newBuilder().filters(filters).kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static SeparableConv2D fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static SeparableConv2D fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
