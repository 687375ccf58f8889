package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' AveragePooling2D: the average of each window. */
public final class AveragePooling2D extends BasePooling {
    /** Keras' class name, {@code "AveragePooling2D"}. */
    public static final String CLASS_NAME = "AveragePooling2D";

    private AveragePooling2D(PoolingBuilder<AveragePooling2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (pool_size 2, strides = pool_size, valid, channels_last). */
    public static PoolingBuilder<AveragePooling2D> builder() {
        return new PoolingBuilder<AveragePooling2D>(Poolings.Kind.AVERAGE, 2, CLASS_NAME, AveragePooling2D::new);
    }

    /** Keras' {@code from_config}. */
    public static AveragePooling2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
