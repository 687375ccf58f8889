package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/** Keras' RepeatVector: a (batch, features) input to (batch, n, features), each row n times. */
public final class RepeatVector extends MovingLayer {
    /** Keras' class name, {@code "RepeatVector"}. */
    public static final String CLASS_NAME = "RepeatVector";

    private final int n;

    private RepeatVector(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.n = b.n;
    }

    /** Keras' argument {@code n} (required). */
    public static final class Builder extends LayerBuilder<Builder, RepeatVector> {
        Integer n;

        Builder(Integer n) {
            super(CLASS_NAME);
            this.n = n;
        }

        @Override
        void validate() {
            if (n == null) {
                throw new IllegalArgumentException("RepeatVector needs the argument `n`");
            }
            if (n < 1) {
                throw new IllegalArgumentException("Invalid value for argument `n` of RepeatVector: expected a positive"
                        + " integer. Received: n=" + n);
            }
        }

        @Override
        RepeatVector make() {
            return new RepeatVector(this);
        }
    }

    /** A builder for a layer repeating its 2D input {@code n} times along a new axis 1. */
    public static Builder builder(int n) {
        return new Builder(n);
    }

    /** Keras' {@code from_config}. */
    public static RepeatVector fromConfig(JsonNode config) {
        Builder b = new Builder(null);
        ConfigReader r = b.readBase(config);
        b.n = r.optionalInteger("n");
        r.finish();
        return b.build();
    }

    /** Keras' {@code n} argument. */
    public int n() {
        return n;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != 2) {
            throw incompatible(shape, "expected ndim=2, found ndim=" + shape.length);
        }
        if (shape[1] == 0 || shape[1] < -1) {
            throw incompatible(shape, "every dimension but the batch must be positive");
        }
        return new long[] {shape[0], n, shape[1]};
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return Copies.repeat(inputShape[0], inputShape[1], n);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("n", n);
        return c;
    }
}
