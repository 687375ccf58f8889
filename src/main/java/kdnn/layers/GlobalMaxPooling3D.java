package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' GlobalMaxPooling3D: the largest value of each channel over the whole input. */
public final class GlobalMaxPooling3D extends BaseGlobalPooling {
    /** Keras' class name, {@code "GlobalMaxPooling3D"}. */
    public static final String CLASS_NAME = "GlobalMaxPooling3D";

    private GlobalMaxPooling3D(GlobalPoolingBuilder<GlobalMaxPooling3D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (channels_last, keepdims false). */
    public static GlobalPoolingBuilder<GlobalMaxPooling3D> builder() {
        return new GlobalPoolingBuilder<GlobalMaxPooling3D>(Poolings.Kind.MAX, 3, CLASS_NAME,
                GlobalMaxPooling3D::new);
    }

    /** Keras' {@code from_config}. */
    public static GlobalMaxPooling3D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
