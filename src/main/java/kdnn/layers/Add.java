package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Merges;

/** Keras' {@code Add} layer. Sums its inputs. */
public final class Add extends ElementwiseMerge {
    /** Keras' class name, {@code "Add"}. */
    public static final String CLASS_NAME = "Add";

    private Add(String name, boolean trainable) {
        super(name, trainable, Merges.Op.ADD);
    }

    /** A new layer; a null name gets Keras' automatic one. */
    public static Add of(String name) {
        return new Add(name == null ? LayerNames.next(CLASS_NAME) : name, true);
    }

    /** Keras' {@code from_config}. */
    public static Add fromConfig(JsonNode config) {
        return fromConfig(CLASS_NAME, config, Add::new);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
