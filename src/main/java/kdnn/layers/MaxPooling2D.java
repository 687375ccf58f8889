package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' MaxPooling2D: the max of each window. */
public final class MaxPooling2D extends BasePooling {
    /** Keras' class name, {@code "MaxPooling2D"}. */
    public static final String CLASS_NAME = "MaxPooling2D";

    private MaxPooling2D(PoolingBuilder<MaxPooling2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (pool_size 2, strides = pool_size, valid, channels_last). */
    public static PoolingBuilder<MaxPooling2D> builder() {
        return new PoolingBuilder<MaxPooling2D>(Poolings.Kind.MAX, 2, CLASS_NAME, MaxPooling2D::new);
    }

    /** Keras' {@code from_config}. */
    public static MaxPooling2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
