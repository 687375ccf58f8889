package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A Keras 2 weight initializer: fills a row-major tensor of the given Keras-layout shape. */
public interface Initializer {
    /** New values for a weight of this shape, row-major. */
    float[] initialize(int[] shape);

    /**
     * Refuses a shape this initializer cannot fill, as {@link #initialize} would. Layers call it
     * when they create a weight and draw the values only when first read: a weight that a model
     * file overwrites is never drawn.
     * @throws IllegalArgumentException for a shape {@link #initialize} refuses
     */
    default void checkShape(int[] shape) {
    }

    /** Keras' serialized form, {@code {"class_name": ..., "config": {...}}}. */
    ObjectNode toConfig();
}
