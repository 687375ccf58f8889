package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' AlphaDropout: dropout that keeps SELU's mean and variance in training; the identity at inference. */
public final class AlphaDropout extends InferenceIdentity {
    /** Keras' class name, {@code "AlphaDropout"}. */
    public static final String CLASS_NAME = "AlphaDropout";

    private AlphaDropout(InferenceIdentityBuilder<AlphaDropout> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<AlphaDropout> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.ALPHA_DROPOUT, 0, CLASS_NAME, AlphaDropout::new);
    }

    /** A builder with Keras' defaults. */
    public static InferenceIdentityBuilder<AlphaDropout> builder(double rate) {
        return newBuilder().rate(rate);
    }

    /** Keras' {@code from_config}. */
    public static AlphaDropout fromConfig(JsonNode config) {
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
