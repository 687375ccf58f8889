package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv1DTranspose: a transposed convolution (kernel (k, filters, in)), dilation_rate included, run by oneDNN deconvolution. */
public final class Conv1DTranspose extends BaseConvTranspose {
    /** Keras' class name, {@code "Conv1DTranspose"}. */
    public static final String CLASS_NAME = "Conv1DTranspose";

    private Conv1DTranspose(ConvBuilder<Conv1DTranspose> b) {
        super(b, true);
    }

    private static ConvBuilder<Conv1DTranspose> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.TRANSPOSE, 1, CLASS_NAME, Conv1DTranspose::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv1DTranspose> builder(int filters, int... kernelSize) {
        return newBuilder().filters(filters).kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static Conv1DTranspose fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static Conv1DTranspose fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
