package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' ActivityRegularization: adds l1*sum|y| + l2*sum y^2 of its output to the training loss ({@link #activityPenalty}); returns its input. */
public final class ActivityRegularization extends InferenceIdentity {
    /** Keras' class name, {@code "ActivityRegularization"}. */
    public static final String CLASS_NAME = "ActivityRegularization";

    private ActivityRegularization(InferenceIdentityBuilder<ActivityRegularization> b) {
        super(b);
    }

    private static InferenceIdentityBuilder<ActivityRegularization> newBuilder() {
        return new InferenceIdentityBuilder<>(Kind.ACTIVITY_REGULARIZATION, 0, CLASS_NAME, ActivityRegularization::new);
    }

    /** A builder with Keras' defaults. */
    public static InferenceIdentityBuilder<ActivityRegularization> builder(double l1, double l2) {
        return newBuilder().l1(l1).l2(l2);
    }

    /** Keras' {@code from_config}. */
    public static ActivityRegularization fromConfig(JsonNode config) {
        return newBuilder().fromConfig(config).build();
    }

    /** Keras' ActivityRegularization supports masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
