package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras 3's AdaptiveAveragePooling1D: the mean of each adaptive window. */
public final class AdaptiveAveragePooling1D extends BaseAdaptivePooling {
    /** Keras' class name, {@code "AdaptiveAveragePooling1D"}. */
    public static final String CLASS_NAME = "AdaptiveAveragePooling1D";

    private AdaptiveAveragePooling1D(Builder<AdaptiveAveragePooling1D> b) {
        super(b);
    }

    /** A builder (Keras' defaults: channels_last); {@code output_size} must be given. */
    public static Builder<AdaptiveAveragePooling1D> builder() {
        return new Builder<>(Poolings.Kind.AVERAGE, 1, CLASS_NAME, AdaptiveAveragePooling1D::new);
    }

    /** Keras' {@code from_config}. */
    public static AdaptiveAveragePooling1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
