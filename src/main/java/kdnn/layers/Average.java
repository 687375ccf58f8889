package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Merges;

/** Keras' {@code Average} layer. The element-wise mean of its inputs (their sum divided by their count, as Keras computes it). */
public final class Average extends ElementwiseMerge {
    /** Keras' class name, {@code "Average"}. */
    public static final String CLASS_NAME = "Average";

    private Average(String name, boolean trainable) {
        super(name, trainable, Merges.Op.AVERAGE);
    }

    /** A new layer; a null name gets Keras' automatic one. */
    public static Average of(String name) {
        return new Average(name == null ? LayerNames.next(CLASS_NAME) : name, true);
    }

    /** Keras' {@code from_config}. */
    public static Average fromConfig(JsonNode config) {
        return fromConfig(CLASS_NAME, config, Average::new);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
