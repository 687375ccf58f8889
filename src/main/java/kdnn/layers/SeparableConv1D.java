package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' SeparableConv1D: a depthwise convolution (depth_multiplier outputs per channel) then a 1x1 convolution with bias and activation; Keras 2 takes {@code padding="causal"} here. */
public final class SeparableConv1D extends BaseSeparableConv {
    /** Keras' class name, {@code "SeparableConv1D"}. */
    public static final String CLASS_NAME = "SeparableConv1D";

    private SeparableConv1D(ConvBuilder<SeparableConv1D> b) {
        super(b);
    }

    private static ConvBuilder<SeparableConv1D> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.SEPARABLE, 1, CLASS_NAME, SeparableConv1D::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<SeparableConv1D> builder(int filters, int... kernelSize) {
        return newBuilder().filters(filters).kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static SeparableConv1D fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static SeparableConv1D fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
