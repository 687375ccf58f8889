package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;

/** Keras {@code Constant(value=0)}: every weight set to one scalar. */
public record Constant(double value) implements Initializer {
    @Override
    public float[] initialize(int[] shape) {
        float[] out = new float[WeightShape.length(shape)];
        Arrays.fill(out, (float) value);
        return out;
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("value", value);
        return KerasJson.serialized("Constant", config);
    }
}
