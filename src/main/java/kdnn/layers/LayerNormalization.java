package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Arrays;
import kdnn.keras.Constraint;
import kdnn.keras.Constraints;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;
import kdnn.keras.Regularizers;
import kdnn.runtime.LayerNorms;
import kdnn.runtime.Pipeline;

/**
 * Keras' LayerNormalization: each sample normalized over {@code axis} by its own mean and
 * (population) variance, {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta}, with
 * {@code gamma} and {@code beta} of the normalized axes' shape. The normalized axes must end the
 * shape (the default, the last axis, and e.g. {@code [1, 2, 3]} of an image); others are refused,
 * as is Keras 3's {@code rms_scaling}. Agrees with TensorFlow's float32 result to rounding (its
 * fused and unfused kernels order the same arithmetic differently from each other).
 */
public final class LayerNormalization extends Layer {
    /** Keras' class name, {@code "LayerNormalization"}. */
    public static final String CLASS_NAME = "LayerNormalization";

    private final int[] axis;
    private final boolean axisIsList;
    private final double epsilon;
    private final boolean center;
    private final boolean scale;
    private final Initializer betaInitializer;
    private final Initializer gammaInitializer;
    private final Regularizer betaRegularizer;
    private final Regularizer gammaRegularizer;
    private final Constraint betaConstraint;
    private final Constraint gammaConstraint;

    private LayerNormalization(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.axis = b.axis.clone();
        this.axisIsList = b.axisIsList;
        this.epsilon = b.epsilon;
        this.center = b.center;
        this.scale = b.scale;
        this.betaInitializer = b.betaInitializer;
        this.gammaInitializer = b.gammaInitializer;
        this.betaRegularizer = b.betaRegularizer;
        this.gammaRegularizer = b.gammaRegularizer;
        this.betaConstraint = b.betaConstraint;
        this.gammaConstraint = b.gammaConstraint;
    }

    /** Keras' arguments and defaults: axis -1, epsilon 1e-3, center and scale, beta zeros, gamma ones. */
    public static final class Builder extends LayerBuilder<Builder, LayerNormalization> {
        int[] axis = {-1};
        boolean axisIsList;
        double epsilon = 1e-3;
        boolean center = true;
        boolean scale = true;
        Initializer betaInitializer = Initializers.get(TextNode.valueOf("zeros"));
        Initializer gammaInitializer = Initializers.get(TextNode.valueOf("ones"));
        Regularizer betaRegularizer;
        Regularizer gammaRegularizer;
        Constraint betaConstraint;
        Constraint gammaConstraint;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code axis}: one axis, or the axes normalized together. */
        public Builder axis(int... axis) { this.axis = axis.clone(); this.axisIsList = axis.length != 1; return this; }
        /** Keras' {@code epsilon}. */
        public Builder epsilon(double epsilon) { this.epsilon = epsilon; return this; }
        /** Keras' {@code center}: add {@code beta}. */
        public Builder center(boolean center) { this.center = center; return this; }
        /** Keras' {@code scale}: multiply by {@code gamma}. */
        public Builder scale(boolean scale) { this.scale = scale; return this; }

        @Override
        void validate() {
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("LayerNormalization `epsilon` must be a non-negative number. Received:"
                        + " epsilon=" + epsilon);
            }
            if (axis.length == 0) {
                throw new IllegalArgumentException("LayerNormalization `axis` must name at least one axis. Received: axis=[]");
            }
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
        JsonNode a = r.node("axis");
        if (a.isArray()) {
            b.axis = ConfigReader.tuple("axis", a, a.size());
            b.axisIsList = true;
        } else if (!a.isNull()) {
            b.axis = new int[] {ConfigReader.toInt("axis", a)};
        }
        b.epsilon = r.number("epsilon", 1e-3);
        b.center = r.bool("center", true);
        b.scale = r.bool("scale", true);
        if (r.bool("rms_scaling", false)) {
            throw new IllegalArgumentException("LayerNormalization `rms_scaling=True` is not supported by kdnn."
                    + " Received: rms_scaling=true");
        }
        b.betaInitializer = initializer(r, "beta_initializer", "zeros");
        b.gammaInitializer = initializer(r, "gamma_initializer", "ones");
        b.betaRegularizer = argument("beta_regularizer", () -> Regularizers.get(r.node("beta_regularizer")));
        b.gammaRegularizer = argument("gamma_regularizer", () -> Regularizers.get(r.node("gamma_regularizer")));
        b.betaConstraint = argument("beta_constraint", () -> Constraints.get(r.node("beta_constraint")));
        b.gammaConstraint = argument("gamma_constraint", () -> Constraints.get(r.node("gamma_constraint")));
        r.finish();
        return b.build();
    }

    private static Initializer initializer(ConfigReader r, String key, String fallback) {
        JsonNode n = r.node(key);
        return argument(key, () -> Initializers.get(n.isNull() ? TextNode.valueOf(fallback) : n));
    }

    private static <T> T argument(String key, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(key)) throw e;
            throw new IllegalArgumentException("`" + key + "`: " + e.getMessage(), e);
        }
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The normalized axes, non-negative and sorted; refused unless they end the shape and are known. */
    private int[] normalizedAxes(long[] shape) {
        int ndim = shape.length;
        int[] a = new int[axis.length];
        for (int i = 0; i < axis.length; i++) {
            if (axis[i] < -ndim || axis[i] >= ndim) {
                throw incompatible(shape, "Invalid axis: " + axis[i] + " (input has " + ndim + " axes)");
            }
            a[i] = axis[i] < 0 ? axis[i] + ndim : axis[i];
        }
        a = Arrays.stream(a).distinct().sorted().toArray();
        for (int i = 0; i < a.length; i++) {
            if (a[i] != ndim - a.length + i || a[i] == 0) {
                throw incompatible(shape, "kdnn normalizes only over axes that end the shape (the batch axis aside);"
                        + " axis=" + Shapes.format(axis) + " does not");
            }
            if (shape[a[i]] < 0) {
                throw incompatible(shape, "axis " + a[i] + " to normalize over must have a known length");
            }
        }
        return a;
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
        int[] a = normalizedAxes(inputShape);
        int[] param = new int[a.length];
        for (int i = 0; i < a.length; i++) param[i] = Math.toIntExact(inputShape[a[i]]);
        if (scale) variables.add(new Variable("gamma", param, arena, gammaInitializer, gammaRegularizer, gammaConstraint));
        if (center) variables.add(new Variable("beta", param, arena, betaInitializer, betaRegularizer, betaConstraint));
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape) * 4;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int[] a = normalizedAxes(inputShape);
        long length = 1;
        for (int d : a) length *= inputShape[d];
        long rows = ElementwiseLayer.count(inputShape) / Math.max(length, 1);
        Variable gamma = scale ? variables.get(0) : null;
        Variable beta = center ? variables.get(scale ? 1 : 0) : null;
        return LayerNorms.layerNorm(rows, length, (float) epsilon, gamma == null ? null : gamma.data(),
                beta == null ? null : beta.data());
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        if (axisIsList) {
            ArrayNode a = c.putArray("axis");
            for (int x : axis) a.add(x);
        } else {
            c.put("axis", axis[0]);
        }
        c.put("epsilon", epsilon);
        c.put("center", center);
        c.put("scale", scale);
        c.set("beta_initializer", betaInitializer.toConfig());
        c.set("gamma_initializer", gammaInitializer.toConfig());
        c.set("beta_regularizer", betaRegularizer == null ? JsonNodeFactory.instance.nullNode() : betaRegularizer.toConfig());
        c.set("gamma_regularizer", gammaRegularizer == null ? JsonNodeFactory.instance.nullNode() : gammaRegularizer.toConfig());
        c.set("beta_constraint", betaConstraint == null ? JsonNodeFactory.instance.nullNode() : betaConstraint.toConfig());
        c.set("gamma_constraint", gammaConstraint == null ? JsonNodeFactory.instance.nullNode() : gammaConstraint.toConfig());
        return c;
    }
}
