package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' SeparableConv2D: a depthwise convolution (depth_multiplier outputs per channel) then a 1x1 convolution with bias and activation. */
public final class SeparableConv2D extends BaseConv {
    public static final String CLASS_NAME = "SeparableConv2D";

    private SeparableConv2D(ConvBuilder<SeparableConv2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<SeparableConv2D> builder(int filters, int... kernelSize) {
        return new ConvBuilder<SeparableConv2D>(Kind.SEPARABLE, 2, CLASS_NAME, SeparableConv2D::new).filters(filters).kernelSize(kernelSize);
    }

    /** Keras' {@code from_config}. */
    public static SeparableConv2D fromConfig(JsonNode config) {
        return new ConvBuilder<SeparableConv2D>(Kind.SEPARABLE, 2, CLASS_NAME, SeparableConv2D::new).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
