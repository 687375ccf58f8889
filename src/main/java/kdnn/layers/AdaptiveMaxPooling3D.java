package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras 3's AdaptiveMaxPooling3D: the maximum of each adaptive window. */
public final class AdaptiveMaxPooling3D extends BaseAdaptivePooling {
    /** Keras' class name, {@code "AdaptiveMaxPooling3D"}. */
    public static final String CLASS_NAME = "AdaptiveMaxPooling3D";

    private AdaptiveMaxPooling3D(Builder<AdaptiveMaxPooling3D> b) {
        super(b);
    }

    /** A builder (Keras' defaults: channels_last); {@code output_size} must be given. */
    public static Builder<AdaptiveMaxPooling3D> builder() {
        return new Builder<>(Poolings.Kind.MAX, 3, CLASS_NAME, AdaptiveMaxPooling3D::new);
    }

    /** Keras' {@code from_config}. */
    public static AdaptiveMaxPooling3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
