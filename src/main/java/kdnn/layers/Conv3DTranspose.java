package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv3DTranspose: a transposed convolution (kernel (kd, kh, kw, filters, in)), run by oneDNN deconvolution. tf-keras takes {@code dilation_rate} but ignores it and leaves it out of its config; Keras 3 uses it. */
public final class Conv3DTranspose extends BaseConvTranspose {
    /** Keras' class name, {@code "Conv3DTranspose"}. */
    public static final String CLASS_NAME = "Conv3DTranspose";

    private Conv3DTranspose(ConvBuilder<Conv3DTranspose> b) {
        super(b, b.kerasVersion == KerasVersion.KERAS_3);
    }

    private static ConvBuilder<Conv3DTranspose> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.TRANSPOSE, 3, CLASS_NAME, Conv3DTranspose::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv3DTranspose> builder(int filters, int... kernelSize) {
        return newBuilder().filters(filters).kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static Conv3DTranspose fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static Conv3DTranspose fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
