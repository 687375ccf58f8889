package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/**
 * Keras' Reshape: the same values in row-major order under {@code target_shape} (the batch axis
 * kept; one dimension may be -1, inferred from the size). A plain copy.
 */
public final class Reshape extends MovingLayer {
    /** Keras' class name, {@code "Reshape"}. */
    public static final String CLASS_NAME = "Reshape";

    private final long[] targetShape;

    private Reshape(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.targetShape = b.targetShape.clone();
    }

    /** Keras' argument {@code target_shape} (required). */
    public static final class Builder extends LayerBuilder<Builder, Reshape> {
        long[] targetShape;

        Builder(long[] targetShape) {
            super(CLASS_NAME);
            this.targetShape = targetShape == null ? null : targetShape.clone();
        }

        @Override
        void validate() {
            if (targetShape == null) {
                throw new IllegalArgumentException("Reshape needs the argument `target_shape`");
            }
            int unknown = 0;
            for (long d : targetShape) {
                if (d == -1) {
                    unknown++;
                } else if (d <= 0) {
                    throw new IllegalArgumentException("Invalid value for argument `target_shape`: every dimension"
                            + " must be positive, or -1 once. Received: target_shape=" + Shapes.format(targetShape));
                }
            }
            if (unknown > 1) {
                throw new IllegalArgumentException("There must be at most one unknown dimension in output_shape."
                        + " Received: output_shape=" + Shapes.format(targetShape) + ".");
            }
        }

        @Override
        Reshape make() {
            return new Reshape(this);
        }
    }

    /** A builder for this target shape (without the batch axis; one -1 allowed). */
    public static Builder builder(long... targetShape) {
        return new Builder(targetShape);
    }

    /** Keras' {@code from_config}. */
    public static Reshape fromConfig(JsonNode config) {
        Builder b = builder((long[]) null);
        ConfigReader r = b.readBase(config);
        JsonNode t = r.node("target_shape");
        if (!t.isNull()) {
            if (!t.isArray()) throw ConfigReader.bad("target_shape", t, "a list of dimensions");
            b.targetShape = new long[t.size()];
            for (int i = 0; i < t.size(); i++) {
                // tf.keras writes an unknown dimension as -1; a null is read the same way
                b.targetShape[i] = t.get(i).isNull() ? -1 : ConfigReader.toInt("target_shape", t.get(i));
            }
        }
        r.finish();
        return b.build();
    }

    /** Keras' {@code target_shape} argument (without the batch axis; -1 for the one axis inferred). */
    public long[] targetShape() {
        return targetShape.clone();
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
        long original = 1;
        boolean known = true;
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
            if (shape[a] < 0) known = false; else original = Math.multiplyExact(original, shape[a]);
        }
        long[] out = new long[targetShape.length + 1];
        out[0] = shape[0];
        System.arraycopy(targetShape, 0, out, 1, targetShape.length);
        if (!known) {
            return out; // an unknown input size leaves -1 unknown, as in Keras
        }
        int unknown = -1;
        long product = 1;
        for (int i = 0; i < targetShape.length; i++) {
            if (targetShape[i] < 0) unknown = i + 1; else product = Math.multiplyExact(product, targetShape[i]);
        }
        if (unknown >= 0 ? original % product != 0 : original != product) {
            throw new IllegalArgumentException("total size of new array must be unchanged, input_shape = "
                    + Shapes.format(Arrays.copyOfRange(shape, 1, shape.length)) + ", output_shape = "
                    + Shapes.format(targetShape) + " (layer \"" + name() + "\")");
        }
        if (unknown >= 0) out[unknown] = original / product;
        return out;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return Copies.copy(ElementwiseLayer.count(inputShape));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        ArrayNode a = c.putArray("target_shape");
        for (long d : targetShape) a.add(d);
        return c;
    }
}
