package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' GaussianNoise: adds zero-centered Gaussian noise of `stddev` in training; the identity at inference. */
public final class GaussianNoise extends InferenceIdentity {
    /** Keras' class name, {@code "GaussianNoise"}. */
    public static final String CLASS_NAME = "GaussianNoise";

    private GaussianNoise(InferenceIdentityBuilder<GaussianNoise> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<GaussianNoise> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.GAUSSIAN_NOISE, 0, CLASS_NAME, GaussianNoise::new);
    }

    /** A builder with Keras' defaults. */
    public static InferenceIdentityBuilder<GaussianNoise> builder(double stddev) {
        return newBuilder().stddev(stddev);
    }

    /** Keras' {@code from_config}. */
    public static GaussianNoise fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** Keras' noise layers support masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
