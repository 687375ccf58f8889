package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import kdnn.Tensor;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Prelus;

/**
 * Keras' PReLU: {@code relu(x) - alpha * relu(-x)}, with a learned {@code alpha} of the input's
 * shape without the batch axis and 1 on each of {@code shared_axes} (1-based), broadcast there.
 * oneDNN's prelu primitive computes {@code x > 0 ? x : alpha * x}, which is the same wherever
 * both x and alpha are finite; elsewhere Keras' value is written after (see
 * {@link #restoreKerasExtremes}).
 */
public final class PReLU extends Layer {
    /** Keras' class name, {@code "PReLU"}. */
    public static final String CLASS_NAME = "PReLU";

    private final Initializer alphaInitializer;
    private final Regularizer alphaRegularizer;
    private final Constraint alphaConstraint;
    private final int[] sharedAxes;

    private final WeightBounds extremes = new WeightBounds(this::makeExtremes);

    private PReLU(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.alphaInitializer = b.alphaInitializer;
        this.alphaRegularizer = b.alphaRegularizer;
        this.alphaConstraint = b.alphaConstraint;
        this.sharedAxes = b.sharedAxes == null ? null : b.sharedAxes.clone();
    }

    /** Keras' arguments and defaults: alpha initialized to zeros, no regularizer or constraint, no shared axes. */
    public static final class Builder extends LayerBuilder<Builder, PReLU> {
        Initializer alphaInitializer = Initializers.get(TextNode.valueOf("zeros"));
        Regularizer alphaRegularizer;
        Constraint alphaConstraint;
        int[] sharedAxes;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code alpha_initializer} argument. */
        public Builder alphaInitializer(Initializer i) { this.alphaInitializer = i; return this; }
        /** Keras' {@code alpha_regularizer} argument. */
        public Builder alphaRegularizer(Regularizer r) { this.alphaRegularizer = r; return this; }
        /** Keras' {@code alpha_constraint} argument. */
        public Builder alphaConstraint(Constraint c) { this.alphaConstraint = c; return this; }

        /** The axes (1-based, the batch excluded) along which one alpha is shared; none given: none shared. */
        public Builder sharedAxes(int... axes) {
            this.sharedAxes = axes == null || axes.length == 0 ? null : axes.clone();
            return this;
        }

        @Override
        void validate() {
            if (alphaInitializer == null) {
                throw new IllegalArgumentException("PReLU: `alpha_initializer` must not be null");
            }
            if (sharedAxes != null) {
                for (int a : sharedAxes) {
                    if (a < 1) {
                        throw new IllegalArgumentException("Invalid value for argument `shared_axes` of PReLU: axes are"
                                + " 1-based and exclude the batch axis. Received: shared_axes=" + Shapes.format(sharedAxes));
                    }
                }
            }
        }

        @Override
        PReLU make() {
            return new PReLU(this);
        }
    }

    /** A builder with Keras' default arguments. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: {@code shared_axes} as null, an int or a list. */
    public static PReLU fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode init = r.node("alpha_initializer");
        if (!init.isNull()) b.alphaInitializer = ConfigReader.argument("alpha_initializer", () -> Initializers.get(init));
        b.alphaRegularizer = r.regularizer("alpha_regularizer");
        b.alphaConstraint = r.constraint("alpha_constraint");
        JsonNode shared = r.node("shared_axes");
        if (!shared.isNull()) {
            b.sharedAxes = shared.isArray() ? ConfigReader.tuple("shared_axes", shared, shared.size())
                    : new int[] {ConfigReader.toInt("shared_axes", shared)};
        }
        r.finish();
        return b.build();
    }


    /** Keras' {@code shared_axes} argument (1-based), or null for none. */
    public int[] sharedAxes() {
        return sharedAxes == null ? null : sharedAxes.clone();
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
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 2) {
            throw incompatible(shape, "expected min_ndim=2, found ndim=" + shape.length);
        }
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] == 0 || shape[a] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
        }
        if (sharedAxes != null) {
            for (int a : sharedAxes) {
                if (a >= shape.length) {
                    throw incompatible(shape, "`shared_axes` " + Shapes.format(sharedAxes) + " name axis " + a
                            + ", but the input has axes 1 to " + (shape.length - 1) + " besides the batch");
                }
            }
        }
        if (isBuilt()) {
            int[] alpha = variables.get(0).shape;
            if (shape.length != alpha.length + 1) {
                throw incompatible(shape, "expected ndim=" + (alpha.length + 1) + ", found ndim=" + shape.length);
            }
            for (int a = 1; a < shape.length; a++) {
                if (!shared(a) && shape[a] != alpha[a - 1]) {
                    throw incompatible(shape, "expected axis " + a + " of input shape to have value " + alpha[a - 1]);
                }
            }
        }
        return shape.clone();
    }

    private boolean shared(int axis) {
        return sharedAxes != null && Arrays.stream(sharedAxes).anyMatch(s -> s == axis);
    }

    @Override
    protected void createWeights(long[] inputShape) {
        int[] alpha = new int[inputShape.length - 1];
        for (int a = 1; a < inputShape.length; a++) {
            if (shared(a)) {
                alpha[a - 1] = 1;
            } else if (inputShape[a] < 0) {
                throw incompatible(inputShape, "PReLU needs every axis that is not shared to be known, to size `alpha`;"
                        + " axis " + a + " is not");
            } else {
                alpha[a - 1] = Math.toIntExact(inputShape[a]);
            }
        }
        variables.add(new Variable("alpha", alpha, arena, alphaInitializer, alphaRegularizer, alphaConstraint));
    }

    @Override
    void weightsChanged() {
        extremes.invalidate();
    }

    private KerasExtremes makeExtremes() {
        Variable alpha = variables.get(0);
        double magnitude = KerasExtremes.maxMagnitude(alpha.data().asSlice(0, Shapes.product(alpha.shape) * Float.BYTES));
        // the gain is the largest factor an input meets: 1 on the positive side, |alpha| on the other
        return new KerasExtremes(Activation.LINEAR, DataFormat.CHANNELS_LAST, Math.max(1, magnitude), 0);
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        Variable alpha = variables.get(0);
        long[] alphaDims = new long[inputShape.length];
        alphaDims[0] = 1;
        for (int a = 1; a < inputShape.length; a++) alphaDims[a] = alpha.shape[a - 1];
        return Prelus.prelu(inputShape, alphaDims, alpha.data());
    }

    /** Where x or alpha is NaN, infinite or huge: {@code relu(x) - alpha * relu(-x)} as Keras computes it. */
    @Override
    KerasExtremes kerasExtremes() {
        return extremes.get();
    }

    @Override
    double outputBound(double inputBound) {
        KerasExtremes e = extremes.get();
        return e.safeFor(inputBound) ? e.preActivationBound(inputBound) : Double.NaN;
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        Variable alpha = variables.get(0);
        MemorySegment x = input;
        MemorySegment y = output;
        long n = y.byteSize() / Float.BYTES;
        int rank = outputShape.length;
        long[] strides = kdnn.runtime.MemoryDesc.rowMajorStrides(outputShape);
        long[] alphaStrides = kdnn.runtime.MemoryDesc.rowMajorStrides(Arrays.stream(alpha.shape).asLongStream().toArray());
        for (long i = 0; i < n; i++) {
            long a = 0;
            for (int d = 1; d < rank; d++) {
                if (alpha.shape[d - 1] != 1) a += (i / strides[d] % outputShape[d]) * alphaStrides[d - 1];
            }
            float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float w = alpha.data().getAtIndex(ValueLayout.JAVA_FLOAT, a);
            if (!(Math.abs(v) < KerasExtremes.LIMIT) || !Float.isFinite(w)) {
                float positive = Math.max(v, 0f);
                float negative = Math.max(-v, 0f);
                y.setAtIndex(ValueLayout.JAVA_FLOAT, i, positive - w * negative);
            }
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("alpha_initializer", alphaInitializer.toConfig());
        c.set("alpha_regularizer", alphaRegularizer == null ? JsonNodeFactory.instance.nullNode() : alphaRegularizer.toConfig());
        c.set("alpha_constraint", alphaConstraint == null ? JsonNodeFactory.instance.nullNode() : alphaConstraint.toConfig());
        if (sharedAxes == null) {
            c.putNull("shared_axes");
        } else {
            ArrayNode a = c.putArray("shared_axes");
            for (int s : sharedAxes) a.add(s);
        }
        return c;
    }
}
