package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.keras.Axes;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.LayerNorms;
import kdnn.runtime.Pipeline;

/**
 * Keras' UnitNormalization: each sample scaled to unit L2 norm over {@code axis},
 * {@code x * rsqrt(max(sum(x * x), 1e-12))} per slice the axes span, as tf-keras
 * ({@code tf.math.l2_normalize}) and Keras 3 compute it. No weights. Agrees with TensorFlow to
 * rounding (its sums run in another order); NaN and infinities as TensorFlow: a NaN makes its
 * slice NaN, an infinity its own place NaN and the rest of its slice 0.
 */
public final class UnitNormalization extends L2Scaling {
    /** Keras' class name, {@code "UnitNormalization"}. */
    public static final String CLASS_NAME = "UnitNormalization";

    private UnitNormalization(Builder b) {
        super(b.name, b.batchInputShape, b.trainable, b.axis);
    }

    /** Keras' argument and default: axis -1. */
    public static final class Builder extends LayerBuilder<Builder, UnitNormalization> {
        Axes axis = Axes.of(-1);

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code axis}: one axis, or the axes normalized together. */
        public Builder axis(int... axis) { this.axis = NormalizedAxes.of(axis); return this; }

        @Override
        void validate() {
            NormalizedAxes.validate(CLASS_NAME, axis);
        }

        @Override
        UnitNormalization make() {
            return new UnitNormalization(this);
        }
    }

    /** A builder with Keras' default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: {@code axis} an int or a list, as Keras' constructor takes it. */
    public static UnitNormalization fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.axis = NormalizedAxes.read(r);
        r.finish();
        return b.build();
    }

    /** Keras' UnitNormalization supports masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return LayerNorms.unitNorm(inputShape, sortedAxes(inputShape));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("axis", axis.toJson());
        return c;
    }
}
