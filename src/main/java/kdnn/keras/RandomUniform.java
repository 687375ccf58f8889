package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code RandomUniform(minval=-0.05, maxval=0.05, seed=None)}: uniform on [minval, maxval). */
public record RandomUniform(double minval, double maxval, Long seed) implements Initializer {
    /** Keras' defaults: minval -0.05, maxval 0.05. */
    public RandomUniform() {
        this(-0.05, 0.05, null);
    }

    @Override
    public float[] initialize(int[] shape) {
        return Rng.uniform(shape, minval, maxval, seed);
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("minval", minval);
        config.put("maxval", maxval);
        KerasJson.putSeed(config, seed);
        return KerasJson.serialized("RandomUniform", config);
    }
}
