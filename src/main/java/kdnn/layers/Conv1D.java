package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv1D: a 1D convolution (kernel (k..., in/groups, filters)). */
public final class Conv1D extends BaseConv {
    public static final String CLASS_NAME = "Conv1D";

    private Conv1D(ConvBuilder<Conv1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv1D> builder(int filters, int... kernelSize) {
        return new ConvBuilder<Conv1D>(Kind.CONV, 1, CLASS_NAME, Conv1D::new).filters(filters).kernelSize(kernelSize);
    }

    /** Keras' {@code from_config}. */
    public static Conv1D fromConfig(JsonNode config) {
        return new ConvBuilder<Conv1D>(Kind.CONV, 1, CLASS_NAME, Conv1D::new).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
