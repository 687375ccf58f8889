package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' GlobalAveragePooling1D: the mean value of each channel over the whole input. */
public final class GlobalAveragePooling1D extends BaseGlobalPooling {
    /** Keras' class name, {@code "GlobalAveragePooling1D"}. */
    public static final String CLASS_NAME = "GlobalAveragePooling1D";

    private GlobalAveragePooling1D(GlobalPoolingBuilder<GlobalAveragePooling1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (channels_last, keepdims false). */
    public static GlobalPoolingBuilder<GlobalAveragePooling1D> builder() {
        return new GlobalPoolingBuilder<GlobalAveragePooling1D>(Poolings.Kind.AVERAGE, 1, CLASS_NAME,
                GlobalAveragePooling1D::new);
    }

    /** Keras' {@code from_config}. */
    public static GlobalAveragePooling1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
