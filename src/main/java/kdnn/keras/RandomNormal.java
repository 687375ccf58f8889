package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Keras {@code RandomNormal(mean=0.0, stddev=0.05, seed=None)}. */
public record RandomNormal(double mean, double stddev, Long seed) implements Initializer {
    /** Keras' defaults: mean 0, stddev 0.05. */
    public RandomNormal() {
        this(0.0, 0.05, null);
    }

    @Override
    public float[] initialize(int[] shape) {
        return Rng.normal(shape, mean, stddev, seed);
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("mean", mean);
        config.put("stddev", stddev);
        KerasJson.putSeed(config, seed);
        return KerasJson.serialized("RandomNormal", config);
    }
}
