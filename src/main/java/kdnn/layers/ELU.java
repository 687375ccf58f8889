package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Attributes.Eltwise;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/** Keras' ELU: {@code x > 0 ? x : alpha * (exp(x) - 1)}, oneDNN's elu. */
public final class ELU extends ElementwiseLayer {
    /** Keras' class name, {@code "ELU"}. */
    public static final String CLASS_NAME = "ELU";

    private final double alpha;

    private ELU(Builder b) {
        super(b);
        this.alpha = b.alpha;
    }

    /** Keras' argument and default: alpha 1.0. */
    public static final class Builder extends LayerBuilder<Builder, ELU> {
        double alpha = 1.0;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code alpha} argument. */
        public Builder alpha(double alpha) { this.alpha = alpha; return this; }

        @Override
        void validate() {
            if (!Double.isFinite(alpha)) {
                throw new IllegalArgumentException("Alpha of an ELU layer must be a finite float. Received: " + alpha);
            }
        }

        @Override
        ELU make() {
            return new ELU(this);
        }
    }

    /** A builder with Keras' default arguments (alpha 1). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static ELU fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.alpha = r.number("alpha", 1.0);
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
        return Eltwises.chain(count, List.of(new Eltwise(dnnl_eltwise_elu(), (float) alpha, 0f)), null);
    }

    @Override
    double bound(double pre) {
        return Math.max(pre, Math.abs(alpha));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("alpha", alpha);
        return c;
    }
}
