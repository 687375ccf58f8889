package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.keras.Axes;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.LayerNorms;
import kdnn.runtime.Pipeline;

/**
 * Keras' LayerNormalization: each sample normalized over {@code axis} by its own mean and
 * (population) variance, {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta}, with
 * {@code gamma} and {@code beta} of the normalized axes' shape. The normalized axes may end the
 * shape (the default, the last axis, and e.g. {@code [1, 2, 3]} of an image) or not (e.g. {@code [1]}
 * of an image: each column of each channel on its own); the batch axis is refused. Agrees with
 * TensorFlow's float32 result to rounding (its fused and unfused kernels order the same arithmetic
 * differently from each other).
 *
 * <p>Keras 3's {@code rms_scaling=True} (deprecated there) computes {@code x * rsqrt(variance +
 * epsilon) * gamma}: the variance, not the mean square, and no centring and no {@code beta}, as
 * Keras 3 computes it. {@link RMSNormalization} is the root mean square.
 */
public final class LayerNormalization extends Layer {
    /** Keras' class name, {@code "LayerNormalization"}. */
    public static final String CLASS_NAME = "LayerNormalization";

    private final Axes axis;
    private final double epsilon;
    private final AffineArguments affine;
    private final boolean rmsScaling;

    private LayerNormalization(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.axis = b.axis;
        this.epsilon = b.epsilon;
        this.affine = b.affine.copy();
        this.rmsScaling = b.rmsScaling;
    }

    /** Keras' arguments and defaults: axis -1, epsilon 1e-3, center and scale, beta zeros, gamma ones. */
    public static final class Builder extends LayerBuilder<Builder, LayerNormalization> {
        Axes axis = Axes.of(-1);
        double epsilon = 1e-3;
        final AffineArguments affine = new AffineArguments();
        boolean rmsScaling;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code axis}: one axis, or the axes normalized together. */
        public Builder axis(int... axis) { this.axis = NormalizedAxes.of(axis); return this; }
        /** Keras' {@code epsilon}. */
        public Builder epsilon(double epsilon) { this.epsilon = epsilon; return this; }
        /** Keras' {@code center}: add {@code beta}. */
        public Builder center(boolean center) { affine.center = center; return this; }
        /** Keras' {@code scale}: multiply by {@code gamma}. */
        public Builder scale(boolean scale) { affine.scale = scale; return this; }
        /**
         * Keras 3's {@code rms_scaling}: {@code x * rsqrt(variance + epsilon) * gamma}, with
         * {@code gamma} whatever {@code scale} says and no {@code beta} whatever {@code center} says.
         */
        public Builder rmsScaling(boolean rmsScaling) { this.rmsScaling = rmsScaling; return this; }

        @Override
        void validate() {
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("LayerNormalization `epsilon` must be a non-negative number. Received:"
                        + " epsilon=" + epsilon);
            }
            NormalizedAxes.validate(CLASS_NAME, axis);
        }

        @Override
        LayerNormalization make() {
            return new LayerNormalization(this);
        }
    }

    /** A builder with Keras' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: {@code axis} an int or a list. */
    public static LayerNormalization fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.axis = NormalizedAxes.read(r);
        b.epsilon = r.number("epsilon", 1e-3);
        b.rmsScaling = r.bool("rms_scaling", false);
        b.affine.read(r);
        r.finish();
        return b.build();
    }

    /** Keras' LayerNormalization supports masking: the output carries the input's mask. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The normalized axes in the order given (the weights' shape follows it), or Keras' refusal. */
    private int[] givenAxes(long[] shape) {
        return NormalizedAxes.given(this, shape, axis.values());
    }

    /** The normalized axes, sorted: Keras reshapes gamma and beta into the input's rank in this order. */
    private int[] normalizedAxes(long[] shape) {
        return NormalizedAxes.sorted(this, shape, axis.values());
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        int[] a = normalizedAxes(shape);
        long[] built = builtInputShape();
        if (built != null) {
            if (built.length != shape.length) {
                throw incompatible(shape, "expected ndim=" + built.length + ", found ndim=" + shape.length);
            }
            for (int d : a) {
                if (shape[d] != built[d]) {
                    throw incompatible(shape, "expected axis " + d + " of input shape to have value " + built[d]);
                }
            }
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        int[] a = givenAxes(inputShape);
        int[] param = new int[a.length];
        for (int i = 0; i < a.length; i++) param[i] = Math.toIntExact(inputShape[a[i]]);
        affine.createWeights(variables, param, arena, affine.scale || rmsScaling, affine.center && !rmsScaling);
    }

    /** True for Keras 3's {@code rms_scaling}. */
    public boolean rmsScaling() {
        ensureOpen();
        return rmsScaling;
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape) * 4;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        if (rmsScaling) {
            int[] axes = normalizedAxes(inputShape);
            long[] gammaDims = new long[inputShape.length];
            java.util.Arrays.fill(gammaDims, 1);
            for (int d : axes) gammaDims[d] = inputShape[d];
            return LayerNorms.rootMeanScaled(inputShape, axes, (float) epsilon, variables.get(0).data(), gammaDims, true);
        }
        Variable gamma = affine.gamma(variables);
        Variable beta = affine.beta(variables);
        return LayerNorms.layerNorm(inputShape, normalizedAxes(inputShape), (float) epsilon,
                gamma == null ? null : gamma.data(), beta == null ? null : beta.data());
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("axis", axis.toJson());
        c.put("epsilon", epsilon);
        affine.write(c);
        // tf.keras has no such argument: written only where it is set, which only Keras 3 reads
        if (rmsScaling) c.put("rms_scaling", true);
        return c;
    }
}
