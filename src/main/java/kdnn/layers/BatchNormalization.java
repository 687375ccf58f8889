package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Normalizations;
import kdnn.runtime.Pipeline;

/**
 * Keras' BatchNormalization at inference: {@code (x - moving_mean) / sqrt(moving_variance + epsilon)
 * * gamma + beta} along {@code axis}, as tf.keras 2.x computes it. One oneDNN
 * {@code batch_normalization} with the stored statistics; the tensor is described to oneDNN so
 * that the normalized axis is its channel axis, whatever that axis is.
 */
public final class BatchNormalization extends Layer {
    /** Keras' class name, {@code "BatchNormalization"}. */
    public static final String CLASS_NAME = "BatchNormalization";
    /** tf.nn.fused_batch_norm's smallest epsilon, which tf.keras 2.x applies where it uses that kernel. */
    static final double FUSED_MIN_EPSILON = 1.001e-5;

    private final int axis;
    private final double momentum;
    private final double epsilon;
    private final boolean center;
    private final boolean scale;
    private final Boolean fused;
    private final boolean renorm;
    private final JsonNode renormClipping;
    private final double renormMomentum;
    private final Integer virtualBatchSize;
    // a Keras 3 file's layer: Keras 3 uses epsilon as given on every input
    private final boolean keras3 = Layers.readingVersion() == KerasVersion.KERAS_3;
    private final Initializer betaInitializer;
    private final Initializer gammaInitializer;
    private final Initializer movingMeanInitializer;
    private final Initializer movingVarianceInitializer;
    private final Regularizer betaRegularizer;
    private final Regularizer gammaRegularizer;
    private final Constraint betaConstraint;
    private final Constraint gammaConstraint;
    // |y| <= |x| * gain + bias, for the KERAS mode's checks (a fused ReLU keeps the bound)
    private final WeightBounds extremes = new WeightBounds(this::makeExtremes);

    private BatchNormalization(BatchNormalizationBuilder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.axis = b.axis;
        this.momentum = b.momentum;
        this.epsilon = b.epsilon;
        this.center = b.center;
        this.scale = b.scale;
        this.fused = b.fused;
        this.renorm = b.renorm;
        this.renormClipping = b.renormClipping;
        this.renormMomentum = b.renormMomentum;
        this.virtualBatchSize = b.virtualBatchSize;
        this.betaInitializer = b.betaInitializer;
        this.gammaInitializer = b.gammaInitializer;
        this.movingMeanInitializer = b.movingMeanInitializer;
        this.movingVarianceInitializer = b.movingVarianceInitializer;
        this.betaRegularizer = b.betaRegularizer;
        this.gammaRegularizer = b.gammaRegularizer;
        this.betaConstraint = b.betaConstraint;
        this.gammaConstraint = b.gammaConstraint;
    }

    /** A builder with Keras' defaults (axis -1, momentum 0.99, epsilon 1e-3, center and scale). */
    public static BatchNormalizationBuilder builder() {
        return new BatchNormalizationBuilder(BatchNormalization::new);
    }

    /** Keras' {@code from_config}. */
    public static BatchNormalization fromConfig(JsonNode config) {
        return builder().fromConfig(config).build();
    }

    /**
     * tf.keras' {@code SyncBatchNormalization} (statistics synchronized across replicas in training):
     * at inference this layer with {@code fused=False}, which keeps epsilon as given where
     * BatchNormalization's fused kernel would raise it. Written back as that BatchNormalization.
     */
    public static BatchNormalization fromSyncConfig(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException("SyncBatchNormalization: `config` must be a JSON object, got " + config);
        }
        if (config.path("fused").asBoolean(false)) {
            throw new IllegalArgumentException("`fused` argument cannot be True for SyncBatchNormalization.");
        }
        com.fasterxml.jackson.databind.node.ObjectNode c = ((com.fasterxml.jackson.databind.node.ObjectNode) config)
                .deepCopy();
        c.put("fused", false);
        return fromConfig(c);
    }

    /** Keras' BatchNormalization supports masking (it reads the mask only in training): the output carries it. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.PASSES;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code axis} argument. */
    public int axis() {
        return axis;
    }

    /** Keras' {@code epsilon} argument. */
    public double epsilon() {
        return epsilon;
    }

    /** Keras' {@code center} argument. */
    public boolean center() {
        return center;
    }

    /** Keras' {@code scale} argument. */
    public boolean scale() {
        return scale;
    }

    /** The normalized axis of an input of this rank (0 <= axis < rank), or Keras' refusal. */
    private int resolvedAxis(long[] shape) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("Invalid axis. Expected 0 <= axis < inputs.rank (with inputs.rank="
                    + shape.length + "). Received: layer.axis=" + axis + " (layer \"" + name() + "\", input shape "
                    + Shapes.format(shape) + ")");
        }
        return a;
    }

    /**
     * The epsilon tf.keras 2.x uses for inputs of this rank: a 4D or 5D input normalized over
     * axis 1 or its last axis runs the fused kernel, which raises epsilon to at least 1.001e-5
     * (unless the layer says {@code fused: false}, or uses renorm or virtual batches, which tf.keras
     * never fuses); every other input uses epsilon as given.
     */
    public double effectiveEpsilon(int inputRank) {
        int a = axis < 0 ? axis + inputRank : axis;
        boolean fusedKernel = !keras3 && !Boolean.FALSE.equals(fused) && !renorm && virtualBatchSize == null
                && (inputRank == 4 || inputRank == 5) && (a == 1 || a == inputRank - 1);
        return fusedKernel ? Math.max(epsilon, FUSED_MIN_EPSILON) : epsilon;
    }

    @Override
    boolean mixesSamples(java.util.List<long[]> inputShapes) {
        return resolvedAxis(inputShapes.get(0)) == 0; // one gamma per place in the batch
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        int a = resolvedAxis(shape);
        if (shape[a] < 0) {
            throw new IllegalArgumentException("Axis " + a + " of input tensor should have a defined dimension but the"
                    + " layer received an input with shape " + Shapes.format(shape) + ".");
        }
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] == 0 || shape[i] < -1) {
                throw incompatible(shape, "every dimension but the batch must be positive");
            }
        }
        if (isBuilt() && shape[a] != variables.get(0).shape[0]) {
            throw incompatible(shape, "expected axis " + a + " of input shape to have value " + variables.get(0).shape[0]);
        }
        if (virtualBatchSize != null && shape[0] >= 0 && shape[0] % virtualBatchSize != 0) {
            // tf.keras reshapes the batch into virtual batches of this size
            throw incompatible(shape, "the batch of " + shape[0] + " is not a multiple of virtual_batch_size="
                    + virtualBatchSize);
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        int[] param = {Math.toIntExact(inputShape[resolvedAxis(inputShape)])};
        if (scale) variables.add(new Variable("gamma", param, arena, gammaInitializer, gammaRegularizer, gammaConstraint));
        if (center) variables.add(new Variable("beta", param, arena, betaInitializer, betaRegularizer, betaConstraint));
        variables.add(new Variable("moving_mean", param, arena, movingMeanInitializer, null, null, false));
        variables.add(new Variable("moving_variance", param, arena, movingVarianceInitializer, null, null, false));
        if (renorm) {
            // Keras' order; training-time statistics that inference never reads
            Initializer ones = kdnn.keras.Initializers.get(com.fasterxml.jackson.databind.node.TextNode.valueOf("ones"));
            variables.add(new Variable("moving_stddev", param, arena, ones, null, null, false));
            variables.add(new Variable("renorm_mean", param, arena, movingMeanInitializer, null, null, false));
            variables.add(new Variable("renorm_stddev", param, arena, ones, null, null, false));
        }
    }

    /** tf.keras' {@code virtual_batch_size}, or null. */
    public Integer virtualBatchSize() {
        ensureOpen();
        return virtualBatchSize;
    }

    /** Keras' {@code renorm}: whether the layer holds batch renormalization's statistics too. */
    public boolean renorm() {
        ensureOpen();
        return renorm;
    }

    /** One multiply-add per element. */
    @Override
    long work(long[] inputShape) {
        long n = 1;
        for (long d : inputShape) n *= Math.max(d, 0);
        return n;
    }

    private Variable weight(String name) {
        return variables.stream().filter(v -> v.name.equals(name)).findFirst().orElse(null);
    }

    /**
     * What this layer computes per channel for inputs of {@code inputRank}, as
     * {@code y = x * scale + shift}: {@code scale = gamma / sqrt(moving_variance + epsilon)},
     * {@code shift = beta - moving_mean * scale} ({@code [0]} scale, {@code [1]} shift). A planner
     * folds these into the kernel and bias of the convolution or Dense before this layer.
     */
    public float[][] scaleAndShift(int inputRank) {
        float[][][] result = new float[1][][];
        exclusively(() -> {
            if (!isBuilt()) {
                throw new IllegalStateException("layer \"" + name() + "\" is not built: build it for an input shape first");
            }
            double eps = effectiveEpsilon(inputRank);
            float[] mean = weight("moving_mean").get();
            float[] variance = weight("moving_variance").get();
            float[] gamma = scale ? weight("gamma").get() : null;
            float[] beta = center ? weight("beta").get() : null;
            float[] s = new float[mean.length];
            float[] t = new float[mean.length];
            for (int c = 0; c < s.length; c++) {
                double k = (gamma == null ? 1 : gamma[c]) / Math.sqrt(variance[c] + eps);
                s[c] = (float) k;
                t[c] = (float) ((beta == null ? 0 : beta[c]) - mean[c] * k);
            }
            result[0] = new float[][] {s, t};
        });
        return result[0];
    }

    @Override
    void weightsChanged() {
        extremes.invalidate();
    }

    /**
     * oneDNN computes {@code (x - mean) * s + beta} with {@code s = gamma / sqrt(variance + epsilon)}:
     * {@code |y| <= |x| * max|s| + max(|mean * s| + |beta|)}. A zero variance with a zero epsilon, or
     * a NaN or infinite weight, makes the gain infinite or NaN: no bound, so a ReLU after it is checked.
     */
    private KerasExtremes makeExtremes() {
        // epsilon as given: no rank's effective epsilon is smaller, so the bound holds for every input
        double eps = epsilon;
        float[] mean = weight("moving_mean").get();
        float[] variance = weight("moving_variance").get();
        float[] gamma = scale ? weight("gamma").get() : null;
        float[] beta = center ? weight("beta").get() : null;
        double gain = 0;
        double bias = 0;
        for (int c = 0; c < mean.length; c++) {
            double s = Math.abs(gamma == null ? 1 : gamma[c]) / Math.sqrt(variance[c] + eps);
            double shift = Math.abs(mean[c]) * s + (beta == null ? 0 : Math.abs(beta[c]));
            if (!(s < Double.POSITIVE_INFINITY && shift < Double.POSITIVE_INFINITY)) {
                gain = Double.NaN; // unknown from here on
                break;
            }
            gain = Math.max(gain, s);
            bias = Math.max(bias, shift);
        }
        return new KerasExtremes(Activation.RELU, DataFormat.CHANNELS_LAST, gain, bias);
    }

    /** From the weights' gain and shift, widened for rounding; NaN (unknown) for NaN weights. */
    @Override
    double outputBound(double inputBound) {
        return extremes.get().preActivationBound(inputBound);
    }

    /** Only with a ReLU fused (the plan's {@link Variant#followedBy}): oneDNN's gives 0 for NaN, Keras' keeps it. */
    @Override
    KerasExtremes kerasExtremes(Variant variant) {
        return fusedRelu(variant) ? extremes.get() : null;
    }

    private static boolean fusedRelu(Variant variant) {
        return variant.afterSum() == Activation.RELU && !variant.sumIntoOutput() && !variant.preActivation();
    }

    /**
     * The normalized axis as oneDNN's channel axis: {N, C, spatial...} in channels-last or
     * channels-first order when it is the last axis or axis 1 of a 3D-5D input, else the plain
     * {outer, C, inner} (or {outer, C}) over the same row-major bytes.
     */
    @Override
    Pipeline pipeline(long[] shape, Variant variant) {
        int rank = shape.length;
        int a = resolvedAxis(shape);
        long[] dims;
        int tag;
        if (rank >= 3 && rank <= 5 && (a == 1 || a == rank - 1)) {
            dims = new long[rank];
            dims[0] = shape[0];
            dims[1] = shape[a];
            for (int i = 0; i < rank - 2; i++) dims[2 + i] = shape[a == 1 ? 2 + i : 1 + i];
            tag = a == 1 ? Convolutions.channelsFirstTag(rank - 2) : Convolutions.channelsLastTag(rank - 2);
        } else {
            long outer = 1;
            long inner = 1;
            for (int i = 0; i < a; i++) outer *= shape[i];
            for (int i = a + 1; i < rank; i++) inner *= shape[i];
            dims = inner == 1 ? new long[] {outer, shape[a]} : new long[] {outer, shape[a], inner};
            tag = inner == 1 ? dnnl_ab() : dnnl_abc();
        }
        Variable gamma = weight("gamma");
        Variable beta = weight("beta");
        // a ReLU layer after it that the plan fused (Variant.followedBy)
        boolean relu = fusedRelu(variant);
        return Normalizations.batchNormalization(dims, tag, (float) effectiveEpsilon(rank), gamma == null ? null : gamma.data(),
                beta == null ? null : beta.data(), weight("moving_mean").data(), weight("moving_variance").data(), relu);
    }

    /**
     * Keras' config keys, in Keras' order, as tf.keras 2.x writes them: its {@code build} replaces
     * {@code axis} by the list of the non-negative axes it normalizes, which {@code get_config}
     * then writes ({@code [3]} for images, channels last); an unbuilt layer writes the axis as
     * given.
     */
    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        long[] built = builtInputShape();
        if (built != null) {
            c.putArray("axis").add(resolvedAxis(built));
        } else {
            c.put("axis", axis);
        }
        c.put("momentum", momentum);
        c.put("epsilon", epsilon);
        c.put("center", center);
        c.put("scale", scale);
        c.set("beta_initializer", betaInitializer.toConfig());
        c.set("gamma_initializer", gammaInitializer.toConfig());
        c.set("moving_mean_initializer", movingMeanInitializer.toConfig());
        c.set("moving_variance_initializer", movingVarianceInitializer.toConfig());
        c.set("beta_regularizer", betaRegularizer == null ? JsonNodeFactory.instance.nullNode() : betaRegularizer.toConfig());
        c.set("gamma_regularizer", gammaRegularizer == null ? JsonNodeFactory.instance.nullNode() : gammaRegularizer.toConfig());
        c.set("beta_constraint", betaConstraint == null ? JsonNodeFactory.instance.nullNode() : betaConstraint.toConfig());
        c.set("gamma_constraint", gammaConstraint == null ? JsonNodeFactory.instance.nullNode() : gammaConstraint.toConfig());
        if (fused != null) c.put("fused", fused);
        if (virtualBatchSize != null) c.put("virtual_batch_size", virtualBatchSize);
        if (renorm) {
            c.put("renorm", true);
            c.set("renorm_clipping", renormClipping == null ? JsonNodeFactory.instance.nullNode() : renormClipping.deepCopy());
            c.put("renorm_momentum", renormMomentum);
        }
        return c;
    }
}
