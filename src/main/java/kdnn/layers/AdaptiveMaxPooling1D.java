package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras 3's AdaptiveMaxPooling1D: the maximum of each adaptive window. */
public final class AdaptiveMaxPooling1D extends BaseAdaptivePooling {
    /** Keras' class name, {@code "AdaptiveMaxPooling1D"}. */
    public static final String CLASS_NAME = "AdaptiveMaxPooling1D";

    private AdaptiveMaxPooling1D(Builder<AdaptiveMaxPooling1D> b) {
        super(b);
    }

    /** A builder (Keras' defaults: channels_last); {@code output_size} must be given. */
    public static Builder<AdaptiveMaxPooling1D> builder() {
        return new Builder<>(Poolings.Kind.MAX, 1, CLASS_NAME, AdaptiveMaxPooling1D::new);
    }

    /** Keras' {@code from_config}. */
    public static AdaptiveMaxPooling1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
