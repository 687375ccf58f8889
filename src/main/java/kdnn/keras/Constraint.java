package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A Keras 2 weight constraint, applied to weights after each optimizer update. */
public interface Constraint {
    /** The constrained copy of {@code weights} (row-major, Keras-layout {@code shape}); the input is left alone. */
    float[] apply(float[] weights, int[] shape);

    /** Keras' serialized form, {@code {"class_name": ..., "config": {...}}}. */
    ObjectNode toConfig();
}
