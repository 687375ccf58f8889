package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Normalizations;
import kdnn.runtime.Pipeline;

/**
 * Keras' GroupNormalization: the channels of {@code axis} split into {@code groups} groups of
 * consecutive channels, and each sample's group normalized by its own mean and population variance
 * over the group's channels and every other non-batch axis, then scaled by {@code gamma} and
 * shifted by {@code beta} per channel. {@code groups=-1} gives each channel its own group (instance
 * normalization). One oneDNN {@code group_normalization} step; it agrees with TensorFlow's float32
 * result to rounding (Keras computes {@code x * inv + (beta - mean * inv)}, oneDNN
 * {@code (x - mean) * inv + beta}).
 */
public final class GroupNormalization extends Layer {
    /** Keras' class name, {@code "GroupNormalization"}. */
    public static final String CLASS_NAME = "GroupNormalization";

    private final int groups;
    private final int axis;
    private final double epsilon;
    private final AffineArguments affine;

    private GroupNormalization(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.groups = b.groups;
        this.axis = b.axis;
        this.epsilon = b.epsilon;
        this.affine = b.affine.copy();
    }

    /** Keras' arguments and defaults: groups 32, axis -1, epsilon 1e-3, center and scale, beta zeros, gamma ones. */
    public static final class Builder extends LayerBuilder<Builder, GroupNormalization> {
        int groups = 32;
        int axis = -1;
        double epsilon = 1e-3;
        final AffineArguments affine = new AffineArguments();

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code groups}: how many groups the channels form; -1 for one channel each. */
        public Builder groups(int groups) { this.groups = groups; return this; }
        /** Keras' {@code axis}: the channel axis. */
        public Builder axis(int axis) { this.axis = axis; return this; }
        /** Keras' {@code epsilon}. */
        public Builder epsilon(double epsilon) { this.epsilon = epsilon; return this; }
        /** Keras' {@code center}: add {@code beta}. */
        public Builder center(boolean center) { affine.center = center; return this; }
        /** Keras' {@code scale}: multiply by {@code gamma}. */
        public Builder scale(boolean scale) { affine.scale = scale; return this; }

        @Override
        void validate() {
            if (groups == 0 || groups < -1) {
                throw new IllegalArgumentException("GroupNormalization `groups` must be a positive integer or -1"
                        + " (one group per channel). Received: groups=" + groups);
            }
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("GroupNormalization `epsilon` must be a non-negative number. Received:"
                        + " epsilon=" + epsilon);
            }
        }

        @Override
        GroupNormalization make() {
            return new GroupNormalization(this);
        }
    }

    /** A builder with Keras' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static GroupNormalization fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.groups = r.integer("groups", 32);
        JsonNode a = r.node("axis");
        if (a.isArray()) {
            if (a.size() != 1) {
                throw new IllegalArgumentException("GroupNormalization `axis` must be one axis. Received: axis=" + a);
            }
            a = a.get(0);
        }
        if (!a.isNull()) b.axis = ConfigReader.toInt("axis", a);
        b.epsilon = r.number("epsilon", 1e-3);
        b.affine.read(r);
        r.finish();
        return b.build();
    }

    /**
     * Keras 3's GroupNormalization supports masking (the output carries the input's mask);
     * tf.keras' computes its statistics over the unmasked positions only, which kdnn does not.
     */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        if (kdnn.internal.LayerBridge.get().rules(this) == KerasVersion.KERAS_3) return kdnn.internal.MaskUse.PASSES;
        if (inputMasked.length > 0 && inputMasked[0]) {
            throw new IllegalArgumentException("layer \"" + name() + "\" (GroupNormalization) is given a mask: tf.keras'"
                    + " GroupNormalization computes its statistics over the unmasked positions, which kdnn does not");
        }
        return kdnn.internal.MaskUse.DROPS;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The channel axis of an input of this shape (1 <= axis < rank), or Keras' refusal. */
    private int channelAxis(long[] shape) {
        int rank = shape.length;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw incompatible(shape, "Axis " + axis + " is out of bounds for input shape " + Shapes.format(shape)
                    + ". Ensure axis is within the range of input dimensions.");
        }
        if (a == 0) {
            throw incompatible(shape, "axis " + axis + " is the batch axis; GroupNormalization groups the channels of"
                    + " another axis");
        }
        if (shape[a] < 0) {
            throw incompatible(shape, "Axis " + axis + " of input tensor should have a defined dimension but the layer"
                    + " received an input with shape " + Shapes.format(shape) + ".");
        }
        return a;
    }

    /** The number of groups for this many channels, as Keras' {@code build} settles and checks it. */
    private long groupsFor(long[] shape, long channels) {
        if (channels == 0) {
            throw incompatible(shape, "the channel axis " + axis + " is empty; there is nothing to divide into groups");
        }
        long g = groups == -1 ? channels : groups;
        if (channels < g) {
            throw incompatible(shape, "Number of groups (" + g + ") cannot be more than the number of channels ("
                    + channels + ").");
        }
        if (channels % g != 0) {
            // Keras' own wording (the channels must be a multiple of the groups)
            throw incompatible(shape, "Number of groups (" + g + ") must be a multiple of the number of channels ("
                    + channels + ").");
        }
        return g;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        int a = channelAxis(shape);
        groupsFor(shape, shape[a]);
        long[] built = builtInputShape();
        if (built != null) {
            if (built.length != shape.length) {
                throw incompatible(shape, "expected ndim=" + built.length + ", found ndim=" + shape.length);
            }
            if (shape[a] != built[a]) {
                throw incompatible(shape, "expected axis " + a + " of input shape to have value " + built[a]);
            }
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        int a = channelAxis(inputShape);
        groupsFor(inputShape, inputShape[a]);
        affine.createWeights(variables, new int[] {Math.toIntExact(inputShape[a])}, arena);
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape) * 3;
    }

    /**
     * The row-major input as oneDNN's {N, C, spatial...}: the axes before the channel axis and those
     * after it each fold into one spatial axis, in place (their order does not matter to the groups'
     * statistics), leaving out a fold of length 1 so the common layouts stay plain nwc or ncw.
     */
    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int a = channelAxis(inputShape);
        long channels = inputShape[a];
        long before = 1;
        long after = 1;
        for (int i = 1; i < a; i++) before *= inputShape[i];
        for (int i = a + 1; i < inputShape.length; i++) after *= inputShape[i];
        long n = inputShape[0];
        long[] dims;
        long[] strides;
        if (after == 1) {
            dims = new long[] {n, channels, before};
            strides = new long[] {before * channels, 1, channels};
        } else if (before == 1) {
            dims = new long[] {n, channels, after};
            strides = new long[] {channels * after, after, 1};
        } else {
            dims = new long[] {n, channels, before, after};
            strides = new long[] {before * channels * after, after, channels * after, 1};
        }
        Variable gamma = affine.gamma(variables);
        Variable beta = affine.beta(variables);
        return Normalizations.groupNormalization(dims, strides, groupsFor(inputShape, channels), (float) epsilon,
                gamma == null ? null : gamma.data(), beta == null ? null : beta.data());
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("groups", groups);
        c.put("axis", axis);
        c.put("epsilon", epsilon);
        affine.write(c);
        return c;
    }
}
