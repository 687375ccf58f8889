package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' GlobalAveragePooling3D: the mean value of each channel over the whole input. */
public final class GlobalAveragePooling3D extends BaseGlobalPooling {
    /** Keras' class name, {@code "GlobalAveragePooling3D"}. */
    public static final String CLASS_NAME = "GlobalAveragePooling3D";

    private GlobalAveragePooling3D(GlobalPoolingBuilder<GlobalAveragePooling3D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (channels_last, keepdims false). */
    public static GlobalPoolingBuilder<GlobalAveragePooling3D> builder() {
        return new GlobalPoolingBuilder<GlobalAveragePooling3D>(Poolings.Kind.AVERAGE, 3, CLASS_NAME,
                GlobalAveragePooling3D::new);
    }

    /** Keras' {@code from_config}. */
    public static GlobalAveragePooling3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
