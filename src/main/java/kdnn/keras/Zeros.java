package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code Zeros}: all weights 0. */
public record Zeros() implements Initializer {
    @Override
    public float[] initialize(int[] shape) {
        return new float[WeightShape.length(shape)];
    }

    @Override
    public ObjectNode toConfig() {
        return KerasJson.serialized("Zeros", KerasJson.object());
    }
}
