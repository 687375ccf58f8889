package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Merges;

/** Keras' {@code Minimum} layer. The element-wise minimum of its inputs; NaN wherever an input holds NaN, as in TensorFlow. */
public final class Minimum extends ElementwiseMerge {
    /** Keras' class name, {@code "Minimum"}. */
    public static final String CLASS_NAME = "Minimum";

    private Minimum(String name, boolean trainable) {
        super(name, trainable, Merges.Op.MINIMUM);
    }

    /** A new layer; a null name gets Keras' automatic one. */
    public static Minimum of(String name) {
        return new Minimum(name == null ? LayerNames.next(CLASS_NAME) : name, true);
    }

    /** Keras' {@code from_config}. */
    public static Minimum fromConfig(JsonNode config) {
        return fromConfig(CLASS_NAME, config, Minimum::new);
    }

    @Override
    boolean masksValues() {
        return true;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
