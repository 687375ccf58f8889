package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv3D: a 3D convolution (kernel (kd, kh, kw, in/groups, filters)). */
public final class Conv3D extends BasePlainConv {
    /** Keras' class name, {@code "Conv3D"}. */
    public static final String CLASS_NAME = "Conv3D";

    private Conv3D(ConvBuilder<Conv3D> b) {
        super(b);
    }

    private static ConvBuilder<Conv3D> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.PLAIN, 3, CLASS_NAME, Conv3D::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv3D> builder(int filters, int... kernelSize) {
        return newBuilder().filters(filters).kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static Conv3D fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static Conv3D fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
