package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras 3's AdaptiveMaxPooling2D: the maximum of each adaptive window. */
public final class AdaptiveMaxPooling2D extends BaseAdaptivePooling {
    /** Keras' class name, {@code "AdaptiveMaxPooling2D"}. */
    public static final String CLASS_NAME = "AdaptiveMaxPooling2D";

    private AdaptiveMaxPooling2D(Builder<AdaptiveMaxPooling2D> b) {
        super(b);
    }

    /** A builder (Keras' defaults: channels_last); {@code output_size} must be given. */
    public static Builder<AdaptiveMaxPooling2D> builder() {
        return new Builder<>(Poolings.Kind.MAX, 2, CLASS_NAME, AdaptiveMaxPooling2D::new);
    }

    /** Keras' {@code from_config}. */
    public static AdaptiveMaxPooling2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
