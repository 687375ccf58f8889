package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' GlobalAveragePooling2D: the mean value of each channel over the whole input. */
public final class GlobalAveragePooling2D extends BaseGlobalPooling {
    /** Keras' class name, {@code "GlobalAveragePooling2D"}. */
    public static final String CLASS_NAME = "GlobalAveragePooling2D";

    private GlobalAveragePooling2D(GlobalPoolingBuilder<GlobalAveragePooling2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (channels_last, keepdims false). */
    public static GlobalPoolingBuilder<GlobalAveragePooling2D> builder() {
        return new GlobalPoolingBuilder<GlobalAveragePooling2D>(Poolings.Kind.AVERAGE, 2, CLASS_NAME,
                GlobalAveragePooling2D::new);
    }

    /** Keras' {@code from_config}. */
    public static GlobalAveragePooling2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
