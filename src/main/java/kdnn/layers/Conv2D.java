package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv2D: a 2D convolution (kernel (kh, kw, in/groups, filters)). */
public final class Conv2D extends BasePlainConv {
    /** Keras' class name, {@code "Conv2D"}. */
    public static final String CLASS_NAME = "Conv2D";

    private Conv2D(ConvBuilder<Conv2D> b) {
        super(b);
    }

    private static ConvBuilder<Conv2D> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.PLAIN, 2, CLASS_NAME, Conv2D::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv2D> builder(int filters, int... kernelSize) {
        return newBuilder().filters(filters).kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static Conv2D fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static Conv2D fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
