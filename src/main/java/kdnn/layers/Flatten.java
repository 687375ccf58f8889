package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/**
 * Keras' Flatten: (batch, d1, ..., dk) to (batch, d1*...*dk). A channels_first input has its
 * channel axis moved last first, as Keras does, so the values come out in channels-last order:
 * one reorder, or a plain copy when the input is stored channels-last already (inside a model)
 * or has no axis to move.
 */
public final class Flatten extends MovingLayer {
    /** Keras' class name, {@code "Flatten"}. */
    public static final String CLASS_NAME = "Flatten";

    private final DataFormat format;

    private Flatten(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.format = b.dataFormat;
    }

    /** Keras' argument and default: data_format channels_last. */
    public static final class Builder extends LayerBuilder<Builder, Flatten> {
        DataFormat dataFormat = DataFormat.CHANNELS_LAST;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code data_format} argument. */
        public Builder dataFormat(DataFormat format) {
            this.dataFormat = java.util.Objects.requireNonNull(format, "data_format");
            return this;
        }

        @Override
        Flatten make() {
            return new Flatten(this);
        }
    }

    /** A builder with Keras' default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static Flatten fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.dataFormat = DataFormat.parse(r.string("data_format", null));
        r.finish();
        return b.build();
    }

    /** Keras' {@code data_format} argument. */
    public DataFormat dataFormat() {
        return format;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 1) {
            throw incompatible(shape, "expected min_ndim=1, found ndim=0");
        }
        long features = 1;
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
            features = features < 0 || shape[a] < 0 ? -1 : Math.multiplyExact(features, shape[a]);
        }
        return new long[] {shape[0], features};
    }

    /** Copies: no value changes, so a bound carries over. */

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int rank = inputShape.length;
        if (rank < 3 || variant.inputChannelsLast(format)) {
            return Copies.copy(ElementwiseLayer.count(inputShape));
        }
        // (batch, channels, spatial...) -> (batch, spatial..., channels)
        int[] perm = new int[rank];
        for (int a = 1; a < rank - 1; a++) perm[a] = a + 1;
        perm[rank - 1] = 1;
        return Copies.permute(inputShape, perm);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("data_format", format.kerasName());
        return c;
    }
}
