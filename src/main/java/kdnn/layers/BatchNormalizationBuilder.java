package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.function.Function;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;

/**
 * Arguments of BatchNormalization with Keras 2's defaults. Batch renormalization is taken (its
 * statistics are held, inference uses the moving mean and variance as Keras does); virtual batches
 * and an adjustment function, whose weights or results differ, are refused unless at their defaults.
 */
public final class BatchNormalizationBuilder {
    private final Function<BatchNormalizationBuilder, BatchNormalization> factory;

    String name;
    boolean trainable = true;
    long[] batchInputShape;
    int axis = -1;
    double momentum = 0.99;
    double epsilon = 1e-3;
    boolean center = true;
    boolean scale = true;
    Boolean fused;
    boolean renorm;
    JsonNode renormClipping; // null: none
    double renormMomentum = 0.99;
    Integer virtualBatchSize; // null: none
    Initializer betaInitializer = Initializers.get(TextNode.valueOf("zeros"));
    Initializer gammaInitializer = Initializers.get(TextNode.valueOf("ones"));
    Initializer movingMeanInitializer = Initializers.get(TextNode.valueOf("zeros"));
    Initializer movingVarianceInitializer = Initializers.get(TextNode.valueOf("ones"));
    Regularizer betaRegularizer;
    Regularizer gammaRegularizer;
    Constraint betaConstraint;
    Constraint gammaConstraint;

    BatchNormalizationBuilder(Function<BatchNormalizationBuilder, BatchNormalization> factory) {
        this.factory = factory;
    }

    /** The layer's name (Keras' {@code name}); unset, a unique one is made from the class name, as Keras does. */
    public BatchNormalizationBuilder name(String name) { this.name = name; return this; }
    /** Keras' {@code trainable} (default true); inference only here, so it changes only the summary's counts. */
    public BatchNormalizationBuilder trainable(boolean trainable) { this.trainable = trainable; return this; }

    /** The normalized axis; negative counts from the end (-1: the last, the channels of channels_last). */
    public BatchNormalizationBuilder axis(int axis) { this.axis = axis; return this; }
    /** Keras' {@code momentum} argument. */
    public BatchNormalizationBuilder momentum(double momentum) { this.momentum = momentum; return this; }
    /** Keras' {@code epsilon} argument. */
    public BatchNormalizationBuilder epsilon(double epsilon) { this.epsilon = epsilon; return this; }
    /** Keras' {@code center} argument. */
    public BatchNormalizationBuilder center(boolean center) { this.center = center; return this; }
    /** Keras' {@code scale} argument. */
    public BatchNormalizationBuilder scale(boolean scale) { this.scale = scale; return this; }

    /** tf.keras' {@code fused}: null chooses as tf.keras does; false keeps epsilon as given on every input. */
    public BatchNormalizationBuilder fused(Boolean fused) { this.fused = fused; return this; }
    /**
     * Keras' {@code renorm} (batch renormalization): training only; the layer then also holds the
     * renormalization statistics ({@code moving_stddev}, {@code renorm_mean}, {@code renorm_stddev})
     * Keras stores with it, and inference uses the moving mean and variance as without it.
     */
    public BatchNormalizationBuilder renorm(boolean renorm) { this.renorm = renorm; return this; }
    /**
     * tf.keras' {@code virtual_batch_size} (ghost batch normalization): training only; at inference
     * the moving statistics apply as without it, but the batch must be a multiple of it, as
     * tf.keras' reshape into virtual batches requires, and the unfused kernel keeps epsilon as given.
     */
    public BatchNormalizationBuilder virtualBatchSize(Integer size) { this.virtualBatchSize = size; return this; }
    /** Keras' {@code beta_initializer} argument. */
    public BatchNormalizationBuilder betaInitializer(Initializer i) { this.betaInitializer = i; return this; }
    /** Keras' {@code gamma_initializer} argument. */
    public BatchNormalizationBuilder gammaInitializer(Initializer i) { this.gammaInitializer = i; return this; }
    /** Keras' {@code moving_mean_initializer} argument. */
    public BatchNormalizationBuilder movingMeanInitializer(Initializer i) { this.movingMeanInitializer = i; return this; }
    /** Keras' {@code moving_variance_initializer} argument. */
    public BatchNormalizationBuilder movingVarianceInitializer(Initializer i) { this.movingVarianceInitializer = i; return this; }
    /** Keras' {@code beta_regularizer} argument. */
    public BatchNormalizationBuilder betaRegularizer(Regularizer r) { this.betaRegularizer = r; return this; }
    /** Keras' {@code gamma_regularizer} argument. */
    public BatchNormalizationBuilder gammaRegularizer(Regularizer r) { this.gammaRegularizer = r; return this; }
    /** Keras' {@code beta_constraint} argument. */
    public BatchNormalizationBuilder betaConstraint(Constraint c) { this.betaConstraint = c; return this; }
    /** Keras' {@code gamma_constraint} argument. */
    public BatchNormalizationBuilder gammaConstraint(Constraint c) { this.gammaConstraint = c; return this; }

    /** Builds the layer right away for inputs of this shape (batch may be -1). */
    public BatchNormalizationBuilder batchInputShape(long... shape) { this.batchInputShape = shape.clone(); return this; }

    /**
     * The layer these arguments describe.
     * @throws IllegalArgumentException for an argument Keras refuses, naming it
     */
    public BatchNormalization build() {
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("Invalid value for argument `epsilon`: expected a positive number."
                    + " Received: epsilon=" + epsilon);
        }
        if (virtualBatchSize != null && virtualBatchSize <= 0) {
            throw new IllegalArgumentException("`virtual_batch_size` must be a positive integer that divides the true"
                    + " batch size of the input tensor. Received: virtual_batch_size=" + virtualBatchSize);
        }
        if (virtualBatchSize != null && axis == 0) {
            throw new IllegalArgumentException("When using `virtual_batch_size`, the batch dimension must be 0 and thus"
                    + " axis cannot include 0. Received axis=" + axis);
        }
        if (Double.isNaN(momentum)) {
            throw new IllegalArgumentException("Invalid value for argument `momentum`: expected a number. Received: momentum=NaN");
        }
        if (betaInitializer == null || gammaInitializer == null || movingMeanInitializer == null
                || movingVarianceInitializer == null) {
            throw new IllegalArgumentException(BatchNormalization.CLASS_NAME + ": initializers must not be null");
        }
        if (name == null) {
            name = LayerNames.next(BatchNormalization.CLASS_NAME);
        }
        return Layer.builtFor(factory.apply(this), batchInputShape);
    }

    /** Reads Keras' config: {@code axis} as an int or a one-element list; unknown keys refused. */
    BatchNormalizationBuilder fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(BatchNormalization.CLASS_NAME, config);
        name = r.string("name", null);
        trainable = r.bool("trainable", true);
        batchInputShape = r.batchInputShape();
        JsonNode a = r.node("axis");
        if (a.isArray()) {
            if (a.size() != 1) {
                throw new IllegalArgumentException("BatchNormalization over several axes is not supported by kdnn: `axis`"
                        + " must be one int or a one-element list. Received: axis=" + a);
            }
            axis = ConfigReader.toInt("axis", a.get(0));
        } else if (!a.isNull()) {
            axis = ConfigReader.toInt("axis", a);
        }
        momentum = number(r, "momentum", momentum);
        epsilon = number(r, "epsilon", epsilon);
        center = r.bool("center", true);
        scale = r.bool("scale", true);
        JsonNode f = r.node("fused");
        fused = f.isNull() ? null : f.isBoolean() ? f.booleanValue() : fail("fused", f, "true, false or null");
        betaInitializer = r.initializer("beta_initializer", "zeros");
        gammaInitializer = r.initializer("gamma_initializer", "ones");
        movingMeanInitializer = r.initializer("moving_mean_initializer", "zeros");
        movingVarianceInitializer = r.initializer("moving_variance_initializer", "ones");
        betaRegularizer = r.regularizer("beta_regularizer");
        gammaRegularizer = r.regularizer("gamma_regularizer");
        betaConstraint = r.constraint("beta_constraint");
        gammaConstraint = r.constraint("gamma_constraint");
        // training-time arguments: accepted at the values that leave inference unchanged
        renorm = r.bool("renorm", false);
        JsonNode clipping = r.node("renorm_clipping");
        if (!clipping.isNull() && !clipping.isObject()) {
            fail("renorm_clipping", clipping, "a dict of rmax, rmin and dmax, or None");
        }
        renormClipping = clipping.isNull() ? null : clipping.deepCopy();
        renormMomentum = number(r, "renorm_momentum", renormMomentum);
        JsonNode vbs = r.node("virtual_batch_size");
        if (!vbs.isNull()) virtualBatchSize = ConfigReader.toInt("virtual_batch_size", vbs);
        atDefault(r, "adjustment");
        r.bool("synchronized", false); // synchronized statistics differ from the usual ones only in training
        r.finish();
        return this;
    }

    private static void atDefault(ConfigReader r, String key) {
        JsonNode n = r.node(key);
        if (!n.isNull()) {
            throw new IllegalArgumentException("BatchNormalization `" + key + "` is not supported by kdnn: it must be"
                    + " null (Keras' default). Received: " + key + "=" + n);
        }
    }

    private static double number(ConfigReader r, String key, double fallback) {
        JsonNode n = r.node(key);
        if (n.isNull()) return fallback;
        if (!n.isNumber()) throw ConfigReader.bad(key, n, "a number");
        return n.doubleValue();
    }

    private static <T> T fail(String key, JsonNode value, String expected) {
        throw ConfigReader.bad(key, value, expected);
    }


}
