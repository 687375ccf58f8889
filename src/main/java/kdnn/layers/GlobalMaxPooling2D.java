package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' GlobalMaxPooling2D: the largest value of each channel over the whole input. */
public final class GlobalMaxPooling2D extends BaseGlobalPooling {
    /** Keras' class name, {@code "GlobalMaxPooling2D"}. */
    public static final String CLASS_NAME = "GlobalMaxPooling2D";

    private GlobalMaxPooling2D(GlobalPoolingBuilder<GlobalMaxPooling2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (channels_last, keepdims false). */
    public static GlobalPoolingBuilder<GlobalMaxPooling2D> builder() {
        return new GlobalPoolingBuilder<GlobalMaxPooling2D>(Poolings.Kind.MAX, 2, CLASS_NAME,
                GlobalMaxPooling2D::new);
    }

    /** Keras' {@code from_config}. */
    public static GlobalMaxPooling2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
