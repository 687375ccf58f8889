package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import kdnn.keras.Axes;
import kdnn.runtime.Copies;
import kdnn.runtime.Pipeline;

/**
 * {@code squeeze(x, axis)}: the named axes, each of length 1, removed; what tf.keras saves as the
 * TFOpLambda of {@code tf.squeeze} and Keras 3 as its {@code Squeeze} operation (e.g. after a
 * pooling that keeps its axes). The values stay where they are: a plain copy. An axis whose
 * length is not 1 is refused, as TensorFlow and NumPy refuse it, when the shape is known (at
 * build, or at the call for a length the model leaves open). {@code axis} must be given and must
 * not name the batch axis: without it TensorFlow squeezes every axis of length 1, the batch too
 * when a call has one sample. Keras has no layer for it: a file keeps the form it came in.
 */
public final class Squeeze extends MovingLayer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Squeeze"}. */
    public static final String CLASS_NAME = "Squeeze";

    private final Axes axis;

    private Squeeze(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.axis = b.axis;
    }

    /** The axes to remove (required), counted with the batch axis as TensorFlow counts them. */
    public static final class Builder extends LayerBuilder<Builder, Squeeze> {
        Axes axis;

        Builder() {
            super(CLASS_NAME);
        }

        /** The axes to remove: one, or several. */
        public Builder axis(int... axis) { this.axis = axis.length == 1 ? Axes.of(axis[0]) : Axes.ofList(axis); return this; }

        @Override
        void validate() {
            if (axis == null) {
                throw new IllegalArgumentException("Squeeze needs `axis`: without it TensorFlow removes every axis of"
                        + " length 1, the batch axis too when a call has one sample. Received: axis=None");
            }
            if (axis.values().length == 0) {
                throw new IllegalArgumentException("Squeeze `axis` must name at least one axis. Received: axis=[]");
            }
        }

        @Override
        Squeeze make() {
            return new Squeeze(this);
        }
    }

    /** A builder; the axes must be given. */
    public static Builder builder() {
        return new Builder();
    }

    /** From kdnn's config form: {@code axis} an int or a list. */
    public static Squeeze fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode a = r.node("axis");
        if (a.isArray()) b.axis = Axes.ofList(ConfigReader.tuple("axis", a, a.size()));
        else if (a.isIntegralNumber()) b.axis = Axes.of(ConfigReader.toInt("axis", a));
        else if (!a.isNull()) throw ConfigReader.bad("axis", a, "an int or a list of ints");
        r.finish();
        return b.build();
    }

    /** The axes removed, as given. */
    public int[] axis() {
        ensureOpen();
        return axis.values().clone();
    }

    @Override
    public String tfFunction() {
        return "squeeze";
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        int rank = shape.length;
        boolean[] removed = new boolean[rank];
        for (int a : axis.values()) {
            if (a < -rank || a >= rank) {
                throw incompatible(shape, "Invalid axis: " + a + " (input has " + rank + " axes)");
            }
            int d = a < 0 ? a + rank : a;
            if (d == 0) {
                throw incompatible(shape, "kdnn keeps the batch axis; axis=" + Shapes.format(axis.values()) + " removes it");
            }
            if (shape[d] >= 0 && shape[d] != 1) {
                throw incompatible(shape, "Can not squeeze dim[" + d + "], expected a dimension of 1, got " + shape[d]);
            }
            removed[d] = true;
        }
        long[] out = new long[rank];
        int n = 0;
        for (int d = 0; d < rank; d++) if (!removed[d]) out[n++] = shape[d];
        return Arrays.copyOf(out, n);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return Copies.copy(ElementwiseLayer.count(inputShape));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("axis", axis.toJson());
        return c;
    }
}
