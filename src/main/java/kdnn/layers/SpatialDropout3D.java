package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' SpatialDropout3D: drops whole feature maps of a 5D input in training (channels_last or channels_first); the identity at inference. */
public final class SpatialDropout3D extends InferenceIdentity {
    /** Keras' class name, {@code "SpatialDropout3D"}. */
    public static final String CLASS_NAME = "SpatialDropout3D";

    private SpatialDropout3D(InferenceIdentityBuilder<SpatialDropout3D> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<SpatialDropout3D> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.SPATIAL_DROPOUT, 3, CLASS_NAME, SpatialDropout3D::new);
    }

    /** A builder with Keras' defaults. */
    public static InferenceIdentityBuilder<SpatialDropout3D> builder(double rate) {
        return newBuilder().rate(rate);
    }

    /** Keras' {@code from_config}. */
    public static SpatialDropout3D fromConfig(JsonNode config) {
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
