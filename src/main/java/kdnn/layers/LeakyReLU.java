package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import kdnn.runtime.Attributes.Eltwise;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/** Keras' LeakyReLU: {@code x > 0 ? x : alpha * x} (tf.nn.leaky_relu), oneDNN's relu with a slope. */
public final class LeakyReLU extends ElementwiseLayer {
    /** Keras' class name, {@code "LeakyReLU"}. */
    public static final String CLASS_NAME = "LeakyReLU";

    private final double alpha;

    private LeakyReLU(Builder b) {
        super(b);
        this.alpha = b.alpha;
    }

    /** Keras' argument and default: alpha 0.3. */
    public static final class Builder extends LayerBuilder<Builder, LeakyReLU> {
        double alpha = 0.3;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code alpha} argument. */
        public Builder alpha(double alpha) { this.alpha = alpha; return this; }

        @Override
        void validate() {
            if (!Double.isFinite(alpha)) {
                throw new IllegalArgumentException("The alpha value of a Leaky ReLU layer must be a finite float."
                        + " Received: " + alpha);
            }
        }

        @Override
        LeakyReLU make() {
            return new LeakyReLU(this);
        }
    }

    /** A builder with Keras' default arguments (alpha 0.3, Keras 2's default). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}; Keras 3's name {@code negative_slope} is taken too. */
    public static LeakyReLU fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        if (r.has("alpha") && r.has("negative_slope")) {
            throw new IllegalArgumentException("LeakyReLU takes `alpha` or `negative_slope`, not both. Received: "
                    + config);
        }
        b.alpha = r.has("negative_slope") ? r.number("negative_slope", 0.3) : r.number("alpha", 0.3);
        // Keras 3 refuses a negative slope; tf.keras takes it (x * alpha below 0 all the same)
        if (Layers.readingVersion() == KerasVersion.KERAS_3 && b.alpha < 0) {
            throw new IllegalArgumentException("The negative_slope value of a Leaky ReLU layer cannot be None or negative"
                    + " value. Expected a float. Received: negative_slope=" + b.alpha);
        }
        r.finish();
        return b.build();
    }

    /** Keras' {@code alpha} argument. */
    public double alpha() {
        return alpha;
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

    @Override
    Pipeline pipeline(long count) {
        return Eltwises.chain(count, List.of(new Eltwise(dnnl_eltwise_relu(), (float) alpha, 0f)), null);
    }

    /** oneDNN's relu without a slope is max(x, 0) in vector form, which gives 0 for NaN. */
    @Override
    DoubleUnaryOperator atExtremes() {
        return alpha == 0 ? x -> ReLU.keras(x, null, 0, 0) : null;
    }

    @Override
    double bound(double pre) {
        return pre * Math.max(1, Math.abs(alpha));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("alpha", alpha);
        return c;
    }
}
