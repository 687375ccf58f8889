package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' MaxPooling3D: the max of each window. */
public final class MaxPooling3D extends BasePooling {
    /** Keras' class name, {@code "MaxPooling3D"}. */
    public static final String CLASS_NAME = "MaxPooling3D";

    private MaxPooling3D(PoolingBuilder<MaxPooling3D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (pool_size 2, strides = pool_size, valid, channels_last). */
    public static PoolingBuilder<MaxPooling3D> builder() {
        return new PoolingBuilder<MaxPooling3D>(Poolings.Kind.MAX, 3, CLASS_NAME, MaxPooling3D::new);
    }

    /** Keras' {@code from_config}. */
    public static MaxPooling3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
