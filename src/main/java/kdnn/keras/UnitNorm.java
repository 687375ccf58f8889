package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code UnitNorm(axis=0)}: {@code w / (eps + norms)}. */
public record UnitNorm(Axes axis) implements Constraint {
    /** Keras' defaults: axis 0. */
    public UnitNorm() {
        this(Axes.of(0));
    }

    @Override
    public float[] apply(float[] weights, int[] shape) {
        return AxisNorms.rescale(weights, shape, axis, n -> 1.0);
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.set("axis", axis.toJson());
        return KerasJson.serialized("UnitNorm", config);
    }
}
