package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' SpatialDropout2D: drops whole feature maps of a 4D input in training (channels_last or channels_first); the identity at inference. */
public final class SpatialDropout2D extends InferenceIdentity {
    /** Keras' class name, {@code "SpatialDropout2D"}. */
    public static final String CLASS_NAME = "SpatialDropout2D";

    private SpatialDropout2D(InferenceIdentityBuilder<SpatialDropout2D> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<SpatialDropout2D> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.SPATIAL_DROPOUT, 2, CLASS_NAME, SpatialDropout2D::new);
    }

    /** A builder with Keras' defaults. */
    public static InferenceIdentityBuilder<SpatialDropout2D> builder(double rate) {
        return newBuilder().rate(rate);
    }

    /** Keras' {@code from_config}. */
    public static SpatialDropout2D fromConfig(JsonNode config) {
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
