package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code MaxNorm(max_value=2, axis=0)}: {@code w * clip(norms, 0, max_value) / (eps + norms)}. */
public record MaxNorm(double maxValue, Axes axis) implements Constraint {
    /** Keras' defaults: max_value 2, axis 0. */
    public MaxNorm() {
        this(2.0, Axes.of(0));
    }

    @Override
    public float[] apply(float[] weights, int[] shape) {
        return AxisNorms.rescale(weights, shape, axis, n -> AxisNorms.clip(n, 0.0, maxValue));
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("max_value", maxValue);
        config.set("axis", axis.toJson());
        return KerasJson.serialized("MaxNorm", config);
    }
}
