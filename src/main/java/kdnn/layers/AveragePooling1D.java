package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' AveragePooling1D: the average of each window. */
public final class AveragePooling1D extends BasePooling {
    /** Keras' class name, {@code "AveragePooling1D"}. */
    public static final String CLASS_NAME = "AveragePooling1D";

    private AveragePooling1D(PoolingBuilder<AveragePooling1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (pool_size 2, strides = pool_size, valid, channels_last). */
    public static PoolingBuilder<AveragePooling1D> builder() {
        return new PoolingBuilder<AveragePooling1D>(Poolings.Kind.AVERAGE, 1, CLASS_NAME, AveragePooling1D::new);
    }

    /** Keras' {@code from_config}. */
    public static AveragePooling1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
