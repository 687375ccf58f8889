package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Dropout: zeroes a fraction `rate` of the values in training (kept ones scaled by 1/(1-rate)); the identity at inference. */
public final class Dropout extends InferenceIdentity {
    /** Keras' class name, {@code "Dropout"}. */
    public static final String CLASS_NAME = "Dropout";

    private Dropout(InferenceIdentityBuilder<Dropout> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<Dropout> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.DROPOUT, 0, CLASS_NAME, Dropout::new);
    }

    /** A builder with Keras' defaults. */
    public static InferenceIdentityBuilder<Dropout> builder(double rate) {
        return newBuilder().rate(rate);
    }

    /** Keras' {@code from_config}. */
    public static Dropout fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** Keras' dropout layers support masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
