package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;

/** Keras {@code Ones}: all weights 1. */
public record Ones() implements Initializer {
    @Override
    public float[] initialize(int[] shape) {
        float[] out = new float[WeightShape.length(shape)];
        Arrays.fill(out, 1f);
        return out;
    }

    @Override
    public ObjectNode toConfig() {
        return KerasJson.serialized("Ones", KerasJson.object());
    }
}
