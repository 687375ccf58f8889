package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A Keras 2 weight initializer: fills a row-major tensor of the given Keras-layout shape. */
public interface Initializer {
    /** New values for a weight of this shape, row-major. */
    float[] initialize(int[] shape);

    /** Keras' serialized form, {@code {"class_name": ..., "config": {...}}}. */
    ObjectNode toConfig();
}
