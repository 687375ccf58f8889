package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras 3's AdaptiveAveragePooling2D: the mean of each adaptive window. */
public final class AdaptiveAveragePooling2D extends BaseAdaptivePooling {
    /** Keras' class name, {@code "AdaptiveAveragePooling2D"}. */
    public static final String CLASS_NAME = "AdaptiveAveragePooling2D";

    private AdaptiveAveragePooling2D(Builder<AdaptiveAveragePooling2D> b) {
        super(b);
    }

    /** A builder (Keras' defaults: channels_last); {@code output_size} must be given. */
    public static Builder<AdaptiveAveragePooling2D> builder() {
        return new Builder<>(Poolings.Kind.AVERAGE, 2, CLASS_NAME, AdaptiveAveragePooling2D::new);
    }

    /** Keras' {@code from_config}. */
    public static AdaptiveAveragePooling2D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
