package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv2D: a 2D convolution (kernel (k..., in/groups, filters)). */
public final class Conv2D extends BaseConv {
    public static final String CLASS_NAME = "Conv2D";

    private Conv2D(ConvBuilder<Conv2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv2D> builder(int filters, int... kernelSize) {
        return new ConvBuilder<Conv2D>(Kind.CONV, 2, CLASS_NAME, Conv2D::new).filters(filters).kernelSize(kernelSize);
    }

    /** Keras' {@code from_config}. */
    public static Conv2D fromConfig(JsonNode config) {
        return new ConvBuilder<Conv2D>(Kind.CONV, 2, CLASS_NAME, Conv2D::new).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
