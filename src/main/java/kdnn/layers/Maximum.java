package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Merges;

/** Keras' {@code Maximum} layer. The element-wise maximum of its inputs; NaN wherever an input holds NaN, as in TensorFlow. */
public final class Maximum extends ElementwiseMerge {
    /** Keras' class name, {@code "Maximum"}. */
    public static final String CLASS_NAME = "Maximum";

    private Maximum(String name, boolean trainable) {
        super(name, trainable, Merges.Op.MAXIMUM);
    }

    /** A new layer; a null name gets Keras' automatic one. */
    public static Maximum of(String name) {
        return new Maximum(name == null ? LayerNames.next(CLASS_NAME) : name, true);
    }

    /** Keras' {@code from_config}. */
    public static Maximum fromConfig(JsonNode config) {
        return fromConfig(CLASS_NAME, config, Maximum::new);
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
