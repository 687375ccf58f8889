package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Attributes.Eltwise;
import kdnn.runtime.Eltwises;
import kdnn.runtime.Pipeline;

/**
 * Keras' Rescaling: {@code x * scale + offset} in float32, rounded after the product and after
 * the sum as TensorFlow computes it (two oneDNN linear steps, not one fused multiply-add).
 */
public final class Rescaling extends ElementwiseLayer {
    /** Keras' class name, {@code "Rescaling"}. */
    public static final String CLASS_NAME = "Rescaling";

    private final double scale; // as given; computed with as float32, as TensorFlow casts it
    private final double offset;

    private Rescaling(Builder b) {
        super(b);
        this.scale = b.scale;
        this.offset = b.offset;
    }

    /** Keras' arguments: {@code scale} (required) and {@code offset} (default 0). */
    public static final class Builder extends LayerBuilder<Builder, Rescaling> {
        double scale = Double.NaN;
        double offset;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code scale} argument. */
        public Builder scale(double scale) { this.scale = scale; return this; }

        /** Keras' {@code offset} argument. */
        public Builder offset(double offset) { this.offset = offset; return this; }

        @Override
        void validate() {
            if (Double.isNaN(scale)) {
                throw new IllegalArgumentException("Rescaling.__init__() missing 1 required positional argument: 'scale'");
            }
        }

        @Override
        Rescaling make() {
            return new Rescaling(this);
        }
    }

    /** A builder; {@code scale} must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: a number for {@code scale} and {@code offset} (a one-element list too). */
    public static Rescaling fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.scale = scalar(r.node("scale"), "scale", Double.NaN);
        b.offset = scalar(r.node("offset"), "offset", 0);
        r.finish();
        return b.build();
    }

    /** A float argument; Keras 3 also takes a per-channel list, which kdnn refuses unless it holds one value. */
    private static double scalar(JsonNode v, String key, double fallback) {
        if (v.isNull()) return fallback;
        JsonNode n = v.isArray() && v.size() == 1 ? v.get(0) : v;
        if (!n.isNumber()) {
            throw new IllegalArgumentException("Rescaling `" + key + "` must be a float" + (v.isArray()
                    ? "; a per-channel list is not supported by kdnn" : "") + ". Received: " + key + "=" + v);
        }
        return n.asDouble();
    }

    /** Keras' {@code scale} argument. */
    public double scale() {
        ensureOpen();
        return scale;
    }

    /** Keras' {@code offset} argument. */
    public double offset() {
        ensureOpen();
        return offset;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Pipeline pipeline(long count) {
        // round the product before adding, as TensorFlow's separate multiply and add do
        return Eltwises.chain(count, List.of(new Eltwise(dnnl_eltwise_linear(), (float) scale, 0f),
                new Eltwise(dnnl_eltwise_linear(), 1f, (float) offset)), null);
    }

    @Override
    double bound(double pre) {
        return (pre * Math.abs(scale) + Math.abs(offset)) * (1 + 0x1p-22);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("scale", scale);
        c.put("offset", offset);
        return c;
    }
}
