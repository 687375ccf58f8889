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

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
