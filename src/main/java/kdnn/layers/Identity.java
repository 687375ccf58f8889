package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Identity layer (Keras 3, tf-keras 2.13+): returns its input; a plan leaves it out. */
public final class Identity extends InferenceIdentity {
    /** Keras' class name, {@code "Identity"}. */
    public static final String CLASS_NAME = "Identity";

    private Identity(InferenceIdentityBuilder<Identity> b) {
        super(b);
    }

    /** A builder (Identity takes no arguments of its own). */
    public static InferenceIdentityBuilder<Identity> builder() {
        return new InferenceIdentityBuilder<>(Kind.IDENTITY, 0, CLASS_NAME, Identity::new);
    }

    /** Keras' {@code from_config}. */
    public static Identity fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    /** Keras 3's Identity supports masking (the output carries the input's mask); tf.keras' does not. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.LayerBridge.get().rules(this) == KerasVersion.KERAS_3 ? kdnn.internal.MaskUse.PASSES
                : kdnn.internal.MaskUse.DROPS;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
