package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' MaxPooling1D: the max of each window. */
public final class MaxPooling1D extends BasePooling {
    /** Keras' class name, {@code "MaxPooling1D"}. */
    public static final String CLASS_NAME = "MaxPooling1D";

    private MaxPooling1D(PoolingBuilder<MaxPooling1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (pool_size 2, strides = pool_size, valid, channels_last). */
    public static PoolingBuilder<MaxPooling1D> builder() {
        return new PoolingBuilder<MaxPooling1D>(Poolings.Kind.MAX, 1, CLASS_NAME, MaxPooling1D::new);
    }

    /** Keras' {@code from_config}. */
    public static MaxPooling1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
