package kdnn.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Keras {@code TruncatedNormal(mean=0.0, stddev=0.05, seed=None)}: normal values more than two
 * standard deviations from the mean are redrawn, so stddev is the one before truncation.
 */
public record TruncatedNormal(double mean, double stddev, Long seed) implements Initializer {
    /** Keras' defaults: mean 0, stddev 0.05. */
    public TruncatedNormal() {
        this(0.0, 0.05, null);
    }

    @Override
    public float[] initialize(int[] shape) {
        return Rng.truncatedNormal(shape, mean, stddev, seed);
    }

    @Override
    public ObjectNode toConfig() {
        ObjectNode config = KerasJson.object();
        config.put("mean", mean);
        config.put("stddev", stddev);
        KerasJson.putSeed(config, seed);
        return KerasJson.serialized("TruncatedNormal", config);
    }
}
