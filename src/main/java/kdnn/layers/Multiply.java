package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Merges;

/** Keras' {@code Multiply} layer. Multiplies its inputs element-wise. */
public final class Multiply extends ElementwiseMerge {
    /** Keras' class name, {@code "Multiply"}. */
    public static final String CLASS_NAME = "Multiply";

    private Multiply(String name, boolean trainable) {
        super(name, trainable, Merges.Op.MULTIPLY);
    }

    /** A new layer; a null name gets Keras' automatic one. */
    public static Multiply of(String name) {
        return new Multiply(name == null ? LayerNames.next(CLASS_NAME) : name, true);
    }

    /** Keras' {@code from_config}. */
    public static Multiply fromConfig(JsonNode config) {
        return fromConfig(CLASS_NAME, config, Multiply::new);
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
