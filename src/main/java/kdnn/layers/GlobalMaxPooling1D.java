package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Poolings;

/** Keras' GlobalMaxPooling1D: the largest value of each channel over the whole input. */
public final class GlobalMaxPooling1D extends BaseGlobalPooling {
    /** Keras' class name, {@code "GlobalMaxPooling1D"}. */
    public static final String CLASS_NAME = "GlobalMaxPooling1D";

    private GlobalMaxPooling1D(GlobalPoolingBuilder<GlobalMaxPooling1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (channels_last, keepdims false). */
    public static GlobalPoolingBuilder<GlobalMaxPooling1D> builder() {
        return new GlobalPoolingBuilder<GlobalMaxPooling1D>(Poolings.Kind.MAX, 1, CLASS_NAME,
                GlobalMaxPooling1D::new);
    }

    /** Keras' {@code from_config}. */
    public static GlobalMaxPooling1D fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
