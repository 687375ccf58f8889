package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code NonNeg}: {@code w * (w >= 0)}, so negatives become (signed) zero. */
public record NonNeg() implements Constraint {
    @Override
    public float[] apply(float[] weights, int[] shape) {
        WeightShape.checkLength(weights, shape);
        float[] out = new float[weights.length];
        for (int i = 0; i < out.length; i++) out[i] = weights[i] * (weights[i] >= 0f ? 1f : 0f);
        return out;
    }

    @Override
    public ObjectNode toConfig() {
        return KerasJson.serialized("NonNeg", KerasJson.object());
    }
}
