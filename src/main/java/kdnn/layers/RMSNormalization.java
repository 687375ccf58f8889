package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import kdnn.keras.Axes;
import kdnn.keras.Initializers;
import kdnn.runtime.LayerNorms;
import kdnn.runtime.Pipeline;

/**
 * Keras 3's RMSNormalization: {@code (x * rsqrt(mean(x * x) + epsilon)) * scale}, each slice
 * over {@code axis} scaled by its own root mean square, as {@code keras.ops.rms_normalization}
 * computes it. The learned {@code scale} has the axes' lengths in sorted order and multiplies with
 * NumPy's broadcasting against the input's last axes, as Keras multiplies it: so it lines up with
 * the normalized axes when they end the shape (the usual {@code axis=-1}); where Keras' product
 * would fail or change the shape, the layer is refused. Agrees with Keras' float32 result to
 * rounding (kdnn divides by the root where Keras multiplies by its reciprocal).
 */
public final class RMSNormalization extends Layer {
    /** Keras' class name, {@code "RMSNormalization"}. */
    public static final String CLASS_NAME = "RMSNormalization";

    private final Axes axis;
    private final double epsilon;

    private RMSNormalization(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.axis = b.axis;
        this.epsilon = b.epsilon;
    }

    /** Keras' arguments and defaults: axis -1, epsilon 1e-6. */
    public static final class Builder extends LayerBuilder<Builder, RMSNormalization> {
        Axes axis = Axes.of(-1);
        double epsilon = 1e-6;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code axis}: one axis, or the axes normalized together. */
        public Builder axis(int... axis) { this.axis = NormalizedAxes.of(axis); return this; }
        /** Keras' {@code epsilon}. */
        public Builder epsilon(double epsilon) { this.epsilon = epsilon; return this; }

        @Override
        void validate() {
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("RMSNormalization `epsilon` must be a non-negative number. Received:"
                        + " epsilon=" + epsilon);
            }
            NormalizedAxes.validate(CLASS_NAME, axis);
        }

        @Override
        RMSNormalization make() {
            return new RMSNormalization(this);
        }
    }

    /** A builder with Keras' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: {@code axis} an int or a list. */
    public static RMSNormalization fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.axis = NormalizedAxes.read(r);
        b.epsilon = r.number("epsilon", 1e-6);
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code epsilon}. */
    public double epsilon() {
        ensureOpen();
        return epsilon;
    }

    /** The scale's shape: the axes' lengths with the axes sorted as Keras sorts them (as written, before wrapping). */
    private long[] scaleShape(long[] shape) {
        NormalizedAxes.given(this, shape, axis.values());
        int[] raw = axis.values().clone();
        Arrays.sort(raw);
        long[] s = new long[raw.length];
        for (int i = 0; i < raw.length; i++) s[i] = shape[raw[i] < 0 ? raw[i] + shape.length : raw[i]];
        return s;
    }

    /** The scale as an operand of the input's rank: its axes against the input's last ones, NumPy's broadcasting. */
    private long[] scaleDims(long[] shape) {
        long[] scale = scaleShape(shape);
        long[] dims = new long[shape.length];
        Arrays.fill(dims, 1);
        int offset = shape.length - scale.length;
        for (int i = 0; i < scale.length; i++) {
            long x = shape[offset + i];
            if (scale[i] != x && scale[i] != 1) {
                throw incompatible(shape, "its scale, of shape " + Shapes.format(scale) + " (the lengths of axis="
                        + Shapes.format(axis.values()) + "), multiplies the result with NumPy's broadcasting, which lines"
                        + " it up with the input's last axes " + Shapes.format(Arrays.copyOfRange(shape, offset,
                        shape.length)) + ": Keras' product " + (x == 1 ? "would change the output's shape" : "fails")
                        + "; normalize over axes that end the shape");
            }
            dims[offset + i] = scale[i];
        }
        return dims;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        scaleDims(shape);
        // built: the scale has the first input's lengths on the normalized axes
        long[] built = builtInputShape();
        if (built != null) {
            if (built.length != shape.length) {
                throw incompatible(shape, "expected ndim=" + built.length + ", found ndim=" + shape.length);
            }
            for (int d : NormalizedAxes.sorted(this, shape, axis.values())) {
                if (shape[d] != built[d]) {
                    throw incompatible(shape, "expected axis " + d + " of input shape to have value " + built[d]);
                }
            }
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        long[] s = scaleShape(inputShape);
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) shape[i] = Math.toIntExact(s[i]);
        variables.add(new Variable("scale", shape, arena, Initializers.get(
                com.fasterxml.jackson.databind.node.TextNode.valueOf("ones")), null, null));
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape) * 4;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return LayerNorms.rootMeanScaled(inputShape, NormalizedAxes.sorted(this, inputShape, axis.values()),
                (float) epsilon, variables.get(0).data(), scaleDims(inputShape), false);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("axis", axis.toJson());
        c.put("epsilon", epsilon);
        return c;
    }
}
