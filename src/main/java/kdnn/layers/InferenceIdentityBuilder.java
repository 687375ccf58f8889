package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;

/**
 * Arguments of the layers that are the identity at inference, with Keras' defaults; set from Java
 * or read from a Keras config (strict: a key the layer does not take is an error).
 */
public final class InferenceIdentityBuilder<L extends InferenceIdentity> extends LayerBuilder<InferenceIdentityBuilder<L>, L> {
    final InferenceIdentity.Kind kind;
    final int rank;
    private final Function<InferenceIdentityBuilder<L>, L> factory;

    double rate = Double.NaN;
    long[] noiseShape;
    Integer seed;
    double stddev = Double.NaN;
    double l1;
    double l2;
    DataFormat dataFormat = DataFormat.CHANNELS_LAST;
    boolean dataFormatGiven;
    com.fasterxml.jackson.databind.node.ObjectNode augmentation;

    InferenceIdentityBuilder(InferenceIdentity.Kind kind, int rank, String className,
                             Function<InferenceIdentityBuilder<L>, L> factory) {
        super(className);
        this.kind = kind;
        this.rank = rank;
        this.factory = factory;
    }

    private boolean takesRate() {
        return kind != InferenceIdentity.Kind.GAUSSIAN_NOISE && kind != InferenceIdentity.Kind.ACTIVITY_REGULARIZATION
                && kind != InferenceIdentity.Kind.IDENTITY && kind != InferenceIdentity.Kind.AUGMENTATION
                && kind != InferenceIdentity.Kind.STOCHASTIC_DEPTH;
    }

    /** The fraction dropped in training, in [0, 1]. */
    public InferenceIdentityBuilder<L> rate(double rate) {
        require(takesRate(), "rate");
        this.rate = rate;
        return this;
    }

    /** Dropout and AlphaDropout: the shape of the drop mask (-1 for a dimension taken from the input). */
    public InferenceIdentityBuilder<L> noiseShape(long... noiseShape) {
        require(kind == InferenceIdentity.Kind.DROPOUT || kind == InferenceIdentity.Kind.ALPHA_DROPOUT
                || kind == InferenceIdentity.Kind.SPATIAL_DROPOUT, "noise_shape");
        this.noiseShape = noiseShape == null ? null : noiseShape.clone();
        return this;
    }

    /** Keras' {@code seed} argument (kept in the config; inference draws nothing). */
    public InferenceIdentityBuilder<L> seed(Integer seed) {
        require(kind == InferenceIdentity.Kind.DROPOUT || kind == InferenceIdentity.Kind.SPATIAL_DROPOUT
                || kind == InferenceIdentity.Kind.GAUSSIAN_DROPOUT || kind == InferenceIdentity.Kind.GAUSSIAN_NOISE
                || kind == InferenceIdentity.Kind.ALPHA_DROPOUT, "seed");
        this.seed = seed;
        return this;
    }

    /** GaussianNoise: the noise's standard deviation. */
    public InferenceIdentityBuilder<L> stddev(double stddev) {
        require(kind == InferenceIdentity.Kind.GAUSSIAN_NOISE, "stddev");
        this.stddev = stddev;
        return this;
    }

    /** ActivityRegularization: the L1 factor of the activity penalty. */
    public InferenceIdentityBuilder<L> l1(double l1) {
        require(kind == InferenceIdentity.Kind.ACTIVITY_REGULARIZATION, "l1");
        this.l1 = l1;
        return this;
    }

    /** ActivityRegularization: the L2 factor of the activity penalty. */
    public InferenceIdentityBuilder<L> l2(double l2) {
        require(kind == InferenceIdentity.Kind.ACTIVITY_REGULARIZATION, "l2");
        this.l2 = l2;
        return this;
    }

    /** SpatialDropout2D/3D: where the channels are (the mask is shared along the spatial axes). */
    public InferenceIdentityBuilder<L> dataFormat(DataFormat format) {
        require(kind == InferenceIdentity.Kind.SPATIAL_DROPOUT && rank > 1, "data_format");
        this.dataFormat = java.util.Objects.requireNonNull(format, "data_format");
        this.dataFormatGiven = true;
        return this;
    }

    private void require(boolean takes, String argument) {
        if (!takes) {
            throw new IllegalArgumentException(className + " has no argument `" + argument + "`");
        }
    }

    @Override
    void validate() {
        if (takesRate() && !(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(Double.isNaN(rate) ? className + " needs the argument `rate`"
                    : "Invalid value " + rate + " received for `rate`, expected a value between 0 and 1.");
        }
        if (kind == InferenceIdentity.Kind.STOCHASTIC_DEPTH && !(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(Double.isNaN(rate) ? className + " needs the argument `drop_path_rate`"
                    : "StochasticDepth `drop_path_rate` must be within [0, 1]. Received: drop_path_rate=" + rate);
        }
        if (kind == InferenceIdentity.Kind.GAUSSIAN_NOISE && !(stddev >= 0 && stddev < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(Double.isNaN(stddev) ? className + " needs the argument `stddev`"
                    : "Invalid value " + stddev + " received for `stddev`, expected a non-negative finite value.");
        }
        if (kind == InferenceIdentity.Kind.ACTIVITY_REGULARIZATION) {
            new kdnn.keras.L1L2(l1, l2); // refuses non-finite factors, naming them
        }
        if (noiseShape != null) {
            for (long d : noiseShape) {
                if (d == 0 || d < -1) {
                    throw new IllegalArgumentException("Invalid value for argument `noise_shape`: every dimension must"
                            + " be positive or None. Received: noise_shape=" + Shapes.format(noiseShape));
                }
            }
        }
    }

    /** Reads Keras' config: every accepted form, unknown keys refused. */
    InferenceIdentityBuilder<L> fromConfig(JsonNode config) {
        ConfigReader r = readBase(config);
        switch (kind) {
            case DROPOUT, SPATIAL_DROPOUT, ALPHA_DROPOUT, GAUSSIAN_DROPOUT -> {
                Double v = r.number("rate");
                if (v != null) rate = v;
                if (kind != InferenceIdentity.Kind.GAUSSIAN_DROPOUT) noiseShape = noiseShape(r.node("noise_shape"));
                seed = r.optionalInteger("seed");
                String format = kind == InferenceIdentity.Kind.SPATIAL_DROPOUT && rank > 1
                        ? r.string("data_format", null) : null;
                if (format != null) dataFormat(DataFormat.parse(format));
            }
            case GAUSSIAN_NOISE -> {
                Double v = r.number("stddev");
                if (v != null) stddev = v;
                seed = r.optionalInteger("seed");
            }
            case ACTIVITY_REGULARIZATION -> {
                l1 = r.number("l1", 0);
                l2 = r.number("l2", 0);
                // Keras 3's layer makes an L1L2 of them, which refuses negative factors (tf.keras' takes them)
                if (Layers.readingVersion() == KerasVersion.KERAS_3) {
                    ConfigReader.nonNegativeFactor("l1", l1);
                    ConfigReader.nonNegativeFactor("l2", l2);
                }
            }
            case IDENTITY -> { }
            case AUGMENTATION -> augmentation = RandomAugmentation.readArguments(className, r);
            case STOCHASTIC_DEPTH -> {
                Double v = r.number("drop_path_rate");
                if (v != null) rate = v;
            }
        }
        r.finish();
        return this;
    }

    private static long[] noiseShape(JsonNode n) {
        if (n.isNull()) return null;
        if (!n.isArray()) throw ConfigReader.bad("noise_shape", n, "a list of dimensions (ints or null)");
        long[] shape = new long[n.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = n.get(i).isNull() ? -1 : ConfigReader.toInt("noise_shape", n.get(i));
        }
        return shape;
    }

    @Override
    L make() {
        return factory.apply(this);
    }
}
