package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Keras' ConvNeXt {@code StochasticDepth} ({@code keras.applications.convnext}): drops residual
 * paths in training with probability {@code drop_path_rate}; returns its input at inference.
 */
public final class StochasticDepth extends InferenceIdentity {
    /** Keras' class name, {@code "StochasticDepth"}. */
    public static final String CLASS_NAME = "StochasticDepth";

    private StochasticDepth(InferenceIdentityBuilder<StochasticDepth> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<StochasticDepth> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.STOCHASTIC_DEPTH, 0, CLASS_NAME, StochasticDepth::new);
    }

    /** A builder for {@code drop_path_rate} (in [0, 1]). */
    public static InferenceIdentityBuilder<StochasticDepth> builder(double dropPathRate) {
        InferenceIdentityBuilder<StochasticDepth> b = newBuilder();
        b.rate = dropPathRate;
        return b;
    }

    /** Keras' {@code from_config}. */
    public static StochasticDepth fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
