package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/** Keras' ThresholdedReLU: {@code x * (x > theta)}, Keras' own formula as one binary primitive. */
public final class ThresholdedReLU extends ElementwiseLayer {
    /** Keras' class name, {@code "ThresholdedReLU"}. */
    public static final String CLASS_NAME = "ThresholdedReLU";

    private final double theta;

    private ThresholdedReLU(Builder b) {
        super(b);
        this.theta = b.theta;
    }

    /** Keras' argument and default: theta 1.0. */
    public static final class Builder extends LayerBuilder<Builder, ThresholdedReLU> {
        double theta = 1.0;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code theta} argument. */
        public Builder theta(double theta) { this.theta = theta; return this; }

        @Override
        void validate() {
            if (!(theta >= 0) || Double.isInfinite(theta)) {
                throw new IllegalArgumentException("The theta value of a Thresholded ReLU layer should be >=0."
                        + " Received: " + theta);
            }
        }

        @Override
        ThresholdedReLU make() {
            return new ThresholdedReLU(this);
        }
    }

    /** A builder with Keras' default arguments (theta 1). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static ThresholdedReLU fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.theta = r.number("theta", 1.0);
        r.finish();
        return b.build();
    }

    /** Keras' {@code theta} argument. */
    public double theta() {
        return theta;
    }

    /** tf.keras' ThresholdedReLU supports masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Pipeline pipeline(long count) {
        return Eltwises.thresholded(count, (float) theta, Float.NaN, 0f);
    }

    @Override
    double bound(double pre) {
        return pre;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("theta", theta);
        return c;
    }
}
