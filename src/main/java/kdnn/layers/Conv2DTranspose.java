package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv2DTranspose: a transposed convolution (kernel (kh, kw, filters, in)), run by oneDNN deconvolution. */
public final class Conv2DTranspose extends BaseConvTranspose {
    /** Keras' class name, {@code "Conv2DTranspose"}. */
    public static final String CLASS_NAME = "Conv2DTranspose";

    private Conv2DTranspose(ConvBuilder<Conv2DTranspose> b) {
        super(b, true);
    }

    private static ConvBuilder<Conv2DTranspose> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.TRANSPOSE, 2, CLASS_NAME, Conv2DTranspose::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv2DTranspose> builder(int filters, int... kernelSize) {
        return newBuilder().filters(filters).kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static Conv2DTranspose fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static Conv2DTranspose fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
