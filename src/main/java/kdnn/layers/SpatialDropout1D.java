package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' SpatialDropout1D: drops whole channels of a (batch, steps, channels) input in training; the identity at inference. */
public final class SpatialDropout1D extends InferenceIdentity {
    /** Keras' class name, {@code "SpatialDropout1D"}. */
    public static final String CLASS_NAME = "SpatialDropout1D";

    private SpatialDropout1D(InferenceIdentityBuilder<SpatialDropout1D> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<SpatialDropout1D> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.SPATIAL_DROPOUT, 1, CLASS_NAME, SpatialDropout1D::new);
    }

    /** A builder with Keras' defaults. */
    public static InferenceIdentityBuilder<SpatialDropout1D> builder(double rate) {
        return newBuilder().rate(rate);
    }

    /** Keras' {@code from_config}. */
    public static SpatialDropout1D fromConfig(JsonNode config) {
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
