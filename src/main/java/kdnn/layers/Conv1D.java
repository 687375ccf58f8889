package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv1D: a 1D convolution (kernel (k, in/groups, filters)). */
public final class Conv1D extends BasePlainConv {
    /** Keras' class name, {@code "Conv1D"}. */
    public static final String CLASS_NAME = "Conv1D";

    private Conv1D(ConvBuilder<Conv1D> b) {
        super(b);
    }

    private static ConvBuilder<Conv1D> newBuilder() {
        return new ConvBuilder<>(ConvBuilder.Family.PLAIN, 1, CLASS_NAME, Conv1D::new);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv1D> builder(int filters, int... kernelSize) {
        return newBuilder().filters(filters).kernelSize(kernelSize);
    }

    /** Keras 2's {@code from_config}. */
    public static Conv1D fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** {@code from_config} by the rules of this Keras version. */
    public static Conv1D fromConfig(JsonNode config, KerasVersion version) {
        return newBuilder().kerasVersion(version).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
