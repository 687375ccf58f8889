package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import kdnn.runtime.Attributes.Eltwise;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/**
 * Keras' ReLU: {@code x > threshold} gives {@code min(x, max_value)}, anything else
 * {@code negative_slope * (x - threshold)}. With threshold 0 it is oneDNN's relu (with the slope)
 * and a clip; otherwise Keras' own formula as two binary primitives (see
 * {@link Eltwises#thresholded}).
 */
public final class ReLU extends ElementwiseLayer {
    /** Keras' class name, {@code "ReLU"}. */
    public static final String CLASS_NAME = "ReLU";

    private final Double maxValue;
    private final double negativeSlope;
    private final double threshold;

    private ReLU(Builder b) {
        super(b);
        this.maxValue = b.maxValue;
        this.negativeSlope = b.negativeSlope;
        this.threshold = b.threshold;
    }

    /** Keras' arguments and defaults: max_value None, negative_slope 0, threshold 0. */
    public static final class Builder extends LayerBuilder<Builder, ReLU> {
        Double maxValue;
        double negativeSlope;
        double threshold;

        Builder() {
            super(CLASS_NAME);
        }

        /** The largest output; null for none. */
        public Builder maxValue(Double maxValue) { this.maxValue = maxValue; return this; }
        /** Keras' {@code negative_slope} argument. */
        public Builder negativeSlope(double negativeSlope) { this.negativeSlope = negativeSlope; return this; }
        /** Keras' {@code threshold} argument. */
        public Builder threshold(double threshold) { this.threshold = threshold; return this; }

        @Override
        void validate() {
            if (maxValue != null && !(maxValue >= 0)) {
                throw new IllegalArgumentException("max_value of a ReLU layer cannot be a negative value. Received: "
                        + maxValue);
            }
            if (!(negativeSlope >= 0) || Double.isInfinite(negativeSlope)) {
                throw new IllegalArgumentException("negative_slope of a ReLU layer cannot be a negative value."
                        + " Received: " + negativeSlope);
            }
            if (!(threshold >= 0) || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException("threshold of a ReLU layer cannot be a negative value. Received: "
                        + threshold);
            }
        }

        @Override
        ReLU make() {
            return new ReLU(this);
        }
    }

    /** A builder with Keras' default arguments (no max_value, slope 0, threshold 0). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static ReLU fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.maxValue = r.number("max_value");
        // Keras refuses None for these two ("cannot be a negative value. Received: None")
        b.negativeSlope = r.number("negative_slope", 0);
        b.threshold = r.number("threshold", 0);
        r.finish();
        return b.build();
    }

    /** Keras' activation layers support masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code max_value} argument, or null for none. */
    public Double maxValue() {
        return maxValue;
    }

    /** Keras' {@code negative_slope} argument. */
    public double negativeSlope() {
        return negativeSlope;
    }

    /** Keras' {@code threshold} argument. */
    public double threshold() {
        return threshold;
    }

    @Override
    Pipeline pipeline(long count) {
        float max = maxValue == null ? Float.NaN : (float) (double) maxValue;
        if (threshold != 0) {
            return Eltwises.thresholded(count, (float) threshold, max, (float) negativeSlope);
        }
        List<Eltwise> chain = new ArrayList<>();
        if (negativeSlope == 0 && maxValue != null) {
            chain.add(new Eltwise(dnnl_eltwise_clip_v2(), 0f, max));
        } else {
            chain.add(new Eltwise(dnnl_eltwise_relu(), (float) negativeSlope, 0f));
            if (maxValue != null) {
                // the negative part is at most 0, below any max_value: only the positive side is clipped
                chain.add(new Eltwise(dnnl_eltwise_clip_v2(), Float.NEGATIVE_INFINITY, max));
            }
        }
        return Eltwises.chain(count, chain, null);
    }

    /**
     * tf-keras' {@code backend.relu} in double, as TensorFlow evaluates it (NaN through max and min),
     * where oneDNN departs: relu without a slope and clip give 0 or a bound for NaN. A leaky relu, and
     * Keras' own threshold formula without a clip, keep extremes (SurroundingExtremesTest).
     */
    @Override
    DoubleUnaryOperator atExtremes() {
        if (maxValue == null && (negativeSlope != 0 || threshold != 0)) {
            return null;
        }
        return x -> keras(x, maxValue, negativeSlope, threshold);
    }

    static double keras(double x, Double maxValue, double alpha, double threshold) {
        if (alpha != 0 && maxValue == null && threshold == 0) {
            return x > 0 ? x : x * alpha; // tf.nn.leaky_relu
        }
        double negative = alpha != 0 ? Math.max(-x + threshold, 0) : 0;
        double y;
        if (threshold != 0) {
            y = x * (x > threshold ? 1 : 0); // -Inf * 0 is NaN, as in Keras
        } else {
            y = Math.max(x, 0);
        }
        if (maxValue != null) {
            y = Math.min(Math.max(y, 0), maxValue);
        }
        return alpha != 0 ? y - alpha * negative : y;
    }

    @Override
    double bound(double pre) {
        double positive = maxValue == null ? pre : Math.min(pre, maxValue);
        return Math.max(positive, negativeSlope * (pre + threshold));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (maxValue == null) c.putNull("max_value"); else c.put("max_value", maxValue);
        c.put("negative_slope", negativeSlope);
        c.put("threshold", threshold);
        return c;
    }
}
