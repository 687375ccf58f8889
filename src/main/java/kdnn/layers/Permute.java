package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/**
 * Keras' Permute: output axis {@code i} is input axis {@code dims[i-1]} ({@code dims} 1-based,
 * the batch axis left alone). One reorder that reads the input through permuted strides.
 */
public final class Permute extends MovingLayer {
    /** Keras' class name, {@code "Permute"}. */
    public static final String CLASS_NAME = "Permute";

    private final int[] dims;

    private Permute(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.dims = b.dims.clone();
    }

    /** Keras' argument {@code dims} (required): a permutation of 1..rank-1. */
    public static final class Builder extends LayerBuilder<Builder, Permute> {
        int[] dims;

        Builder(int[] dims) {
            super(CLASS_NAME);
            this.dims = dims == null ? null : dims.clone();
        }

        @Override
        void validate() {
            if (dims == null) {
                throw new IllegalArgumentException("Permute needs the argument `dims`");
            }
            int[] sorted = dims.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                if (sorted[i] != i + 1) {
                    throw new IllegalArgumentException("Invalid permutation argument `dims` for Permute Layer. The set"
                            + " of indices in `dims` must be consecutive and start from 1. Received dims="
                            + Shapes.format(dims));
                }
            }
        }

        @Override
        Permute make() {
            return new Permute(this);
        }
    }

    /** A builder for a layer permuting the non-batch axes; {@code dims} are Keras' 1-based axis numbers. */
    public static Builder builder(int... dims) {
        return new Builder(dims);
    }

    /** Keras' {@code from_config}. */
    public static Permute fromConfig(JsonNode config) {
        Builder b = builder((int[]) null);
        ConfigReader r = b.readBase(config);
        JsonNode d = r.node("dims");
        if (!d.isNull()) {
            if (!d.isArray()) throw ConfigReader.bad("dims", d, "a list of axes");
            b.dims = ConfigReader.tuple("dims", d, d.size());
        }
        r.finish();
        return b.build();
    }

    /** Keras' {@code dims} argument (1-based, the batch axis excluded). */
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != dims.length + 1) {
            throw incompatible(shape, "expected ndim=" + (dims.length + 1) + ", found ndim=" + shape.length);
        }
        long[] out = new long[shape.length];
        out[0] = shape[0];
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
            out[a] = shape[dims[a - 1]];
        }
        return out;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int[] perm = new int[dims.length + 1];
        System.arraycopy(dims, 0, perm, 1, dims.length);
        return Copies.permute(inputShape, perm);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        ArrayNode a = c.putArray("dims");
        for (int d : dims) a.add(d);
        return c;
    }
}
