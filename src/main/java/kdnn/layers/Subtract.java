package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Merges;

/** Keras' {@code Subtract} layer. Subtracts its second input from its first; takes exactly two. */
public final class Subtract extends ElementwiseMerge {
    /** Keras' class name, {@code "Subtract"}. */
    public static final String CLASS_NAME = "Subtract";

    private Subtract(String name, boolean trainable) {
        super(name, trainable, Merges.Op.SUBTRACT);
    }

    /** A new layer; a null name gets Keras' automatic one. */
    public static Subtract of(String name) {
        return new Subtract(name == null ? LayerNames.next(CLASS_NAME) : name, true);
    }

    /** Keras' {@code from_config}. */
    public static Subtract fromConfig(JsonNode config) {
        return fromConfig(CLASS_NAME, config, Subtract::new);
    }

    @Override
    long[] mergedShape(java.util.List<long[]> shapes) {
        return mergedShapeOfTwo(shapes, "A `Subtract` layer should be called on exactly 2 inputs.");
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
