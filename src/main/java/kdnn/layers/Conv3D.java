package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv3D: a 3D convolution (kernel (k..., in/groups, filters)). */
public final class Conv3D extends BaseConv {
    public static final String CLASS_NAME = "Conv3D";

    private Conv3D(ConvBuilder<Conv3D> b) {
        super(b);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv3D> builder(int filters, int... kernelSize) {
        return new ConvBuilder<Conv3D>(Kind.CONV, 3, CLASS_NAME, Conv3D::new).filters(filters).kernelSize(kernelSize);
    }

    /** Keras' {@code from_config}. */
    public static Conv3D fromConfig(JsonNode config) {
        return new ConvBuilder<Conv3D>(Kind.CONV, 3, CLASS_NAME, Conv3D::new).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
