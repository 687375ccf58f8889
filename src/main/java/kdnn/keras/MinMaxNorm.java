package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Keras {@code MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)}:
 * {@code w * (rate * clip(norms, min, max) + (1 - rate) * norms) / (eps + norms)}.
 */
public record MinMaxNorm(double minValue, double maxValue, double rate, Axes axis) implements Constraint {
    /** Keras' defaults: min_value 0, max_value 1, rate 1, axis 0. */
    public MinMaxNorm() {
        this(0.0, 1.0, 1.0, Axes.of(0));
    }

    @Override
    public float[] apply(float[] weights, int[] shape) {
        return AxisNorms.rescale(weights, shape, axis,
                n -> rate * AxisNorms.clip(n, minValue, maxValue) + (1 - rate) * n);
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("min_value", minValue);
        config.put("max_value", maxValue);
        config.put("rate", rate);
        config.set("axis", axis.toJson());
        return KerasJson.serialized("MinMaxNorm", config);
    }
}
