package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' GaussianDropout: multiplies by 1-centered Gaussian noise of stddev sqrt(rate/(1-rate)) in training; the identity at inference. */
public final class GaussianDropout extends InferenceIdentity {
    /** Keras' class name, {@code "GaussianDropout"}. */
    public static final String CLASS_NAME = "GaussianDropout";

    private GaussianDropout(InferenceIdentityBuilder<GaussianDropout> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<GaussianDropout> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.GAUSSIAN_DROPOUT, 0, CLASS_NAME, GaussianDropout::new);
    }

    /** A builder with Keras' defaults. */
    public static InferenceIdentityBuilder<GaussianDropout> builder(double rate) {
        return newBuilder().rate(rate);
    }

    /** Keras' {@code from_config}. */
    public static GaussianDropout fromConfig(JsonNode config) {
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
