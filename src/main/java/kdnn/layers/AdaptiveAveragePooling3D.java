package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras 3's AdaptiveAveragePooling3D: the mean of each adaptive window. */
public final class AdaptiveAveragePooling3D extends BaseAdaptivePooling {
    /** Keras' class name, {@code "AdaptiveAveragePooling3D"}. */
    public static final String CLASS_NAME = "AdaptiveAveragePooling3D";

    private AdaptiveAveragePooling3D(Builder<AdaptiveAveragePooling3D> b) {
        super(b);
    }

    /** A builder (Keras' defaults: channels_last); {@code output_size} must be given. */
    public static Builder<AdaptiveAveragePooling3D> builder() {
        return new Builder<>(Poolings.Kind.AVERAGE, 3, CLASS_NAME, AdaptiveAveragePooling3D::new);
    }

    /** Keras' {@code from_config}. */
    public static AdaptiveAveragePooling3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
