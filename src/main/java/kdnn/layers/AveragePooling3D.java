package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' AveragePooling3D: the average of each window. */
public final class AveragePooling3D extends BasePooling {
    /** Keras' class name, {@code "AveragePooling3D"}. */
    public static final String CLASS_NAME = "AveragePooling3D";

    private AveragePooling3D(PoolingBuilder<AveragePooling3D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (pool_size 2, strides = pool_size, valid, channels_last). */
    public static PoolingBuilder<AveragePooling3D> builder() {
        return new PoolingBuilder<AveragePooling3D>(Poolings.Kind.AVERAGE, 3, CLASS_NAME, AveragePooling3D::new);
    }

    /** Keras' {@code from_config}. */
    public static AveragePooling3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
