package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Arrays;
import java.util.function.Function;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;

/**
 * Arguments of a convolution layer with Keras' defaults; checked as Keras checks them when the
 * layer is built. One builder for every rank and family; the family says which arguments exist.
 */
public final class ConvBuilder<L extends BaseConv> {
    /** Which Keras argument set a convolution layer has (its behaviour lives in the family's base class). */
    enum Family {
        /** Conv1D/2D/3D: filters, groups, kernel_*. */
        PLAIN,
        /** Conv1D/2D/3DTranspose: filters, kernel_*, output_padding (groups accepted, unused, as tf-keras does). */
        TRANSPOSE,
        /** DepthwiseConv1D/2D: depth_multiplier, depthwise_* (groups and kernel_* accepted, unused). */
        DEPTHWISE,
        /** SeparableConv1D/2D: filters, depth_multiplier, depthwise_*, pointwise_* (groups, kernel_* kept, unused). */
        SEPARABLE
    }

    final Family family;
    final int rank;
    final String className;
    private final Function<ConvBuilder<L>, L> factory;

    String name;
    boolean trainable = true;
    long[] batchInputShape;
    int filters;
    int[] kernelSize;
    int[] strides;
    Padding padding = Padding.VALID;
    DataFormat dataFormat = DataFormat.CHANNELS_LAST;
    int[] dilationRate;
    int groups = 1;
    int depthMultiplier = 1;
    int[] outputPadding;
    Activation activation = Activation.LINEAR;
    boolean useBias = true;
    KerasVersion kerasVersion = KerasVersion.KERAS_2;
    /** The kernel's initializer; the depthwise kernel's for the depthwise and separable families. */
    Initializer kernelInitializer = glorotUniform();
    Initializer pointwiseInitializer = glorotUniform();
    Initializer biasInitializer = Initializers.get(TextNode.valueOf("zeros"));
    Regularizer kernelRegularizer;
    Regularizer pointwiseRegularizer;
    Regularizer biasRegularizer;
    Regularizer activityRegularizer;
    Constraint kernelConstraint;
    Constraint pointwiseConstraint;
    Constraint biasConstraint;
    // tf-keras' SeparableConv inherits Conv's kernel_* arguments: it keeps and writes them, never uses them
    Initializer inheritedKernelInitializer = glorotUniform();
    Regularizer inheritedKernelRegularizer;
    Constraint inheritedKernelConstraint;
    Precision precision = Precision.F32;

    ConvBuilder(Family family, int rank, String className, Function<ConvBuilder<L>, L> factory) {
        this.family = family;
        this.rank = rank;
        this.className = className;
        this.factory = factory;
        this.strides = ones();
        this.dilationRate = ones();
    }

    private static Initializer glorotUniform() {
        return Initializers.get(TextNode.valueOf("glorot_uniform"));
    }

    private int[] ones() {
        int[] a = new int[rank];
        Arrays.fill(a, 1);
        return a;
    }

    private int[] tuple(String argument, int... values) {
        if (values.length == 1 && rank > 1) {
            int[] a = new int[rank];
            Arrays.fill(a, values[0]);
            return a;
        }
        if (values.length != rank) {
            throw new IllegalArgumentException("The `" + argument + "` argument must be a tuple of " + rank
                    + " integers. Received: " + Arrays.toString(values));
        }
        return values.clone();
    }

    /** The layer's name (Keras' {@code name}); unset, a unique one is made from the class name, as Keras does. */
    public ConvBuilder<L> name(String name) { this.name = name; return this; }
    /** Keras' {@code trainable} (default true); inference only here, so it changes only the summary's counts. */
    public ConvBuilder<L> trainable(boolean trainable) { this.trainable = trainable; return this; }
    /** Keras' {@code kernel_size} argument. */
    public ConvBuilder<L> kernelSize(int... kernelSize) { this.kernelSize = tuple("kernel_size", kernelSize); return this; }
    /** Keras' {@code strides} argument. */
    public ConvBuilder<L> strides(int... strides) { this.strides = tuple("strides", strides); return this; }
    /** Keras' {@code padding} argument. */
    public ConvBuilder<L> padding(Padding padding) { this.padding = padding; return this; }
    /** Keras' {@code data_format} argument. */
    public ConvBuilder<L> dataFormat(DataFormat dataFormat) { this.dataFormat = dataFormat; return this; }
    /** Keras' {@code dilation_rate} argument. */
    public ConvBuilder<L> dilationRate(int... dilationRate) { this.dilationRate = tuple("dilation_rate", dilationRate); return this; }
    /** Keras' {@code activation} argument. */
    public ConvBuilder<L> activation(Activation activation) { this.activation = activation; return this; }
    /** Keras' {@code use_bias} argument. */
    public ConvBuilder<L> useBias(boolean useBias) { this.useBias = useBias; return this; }
    /** Keras' {@code bias_initializer} argument. */
    public ConvBuilder<L> biasInitializer(Initializer i) { this.biasInitializer = i; return this; }
    /** Keras' {@code bias_regularizer} argument. */
    public ConvBuilder<L> biasRegularizer(Regularizer r) { this.biasRegularizer = r; return this; }
    /** Keras' {@code activity_regularizer} argument. */
    public ConvBuilder<L> activityRegularizer(Regularizer r) { this.activityRegularizer = r; return this; }
    /** Keras' {@code bias_constraint} argument. */
    public ConvBuilder<L> biasConstraint(Constraint c) { this.biasConstraint = c; return this; }

    /** The arithmetic: {@link Precision#F32} (default) or {@link Precision#BF16}. */
    public ConvBuilder<L> precision(Precision p) { this.precision = java.util.Objects.requireNonNull(p, "precision"); return this; }

    /** Whose rules apply where Keras 2 and Keras 3 differ (default {@link KerasVersion#KERAS_2}). */
    public ConvBuilder<L> kerasVersion(KerasVersion v) { this.kerasVersion = java.util.Objects.requireNonNull(v, "kerasVersion"); return this; }

    /** Builds the layer's weights right away for inputs of this shape (batch may be -1). */
    public ConvBuilder<L> batchInputShape(long... shape) { this.batchInputShape = shape.clone(); return this; }

    /** Output channels; every family but the depthwise one. */
    public ConvBuilder<L> filters(int filters) {
        if (family == Family.DEPTHWISE) {
            throw new IllegalArgumentException(className + " has no argument `filters` (its output has"
                    + " input channels * depth_multiplier channels)");
        }
        this.filters = filters;
        return this;
    }

    /** Conv1D/2D/3D only: split channels into groups, each convolved separately. */
    public ConvBuilder<L> groups(int groups) {
        requireFamily("groups", Family.PLAIN);
        this.groups = groups;
        return this;
    }

    /** Transposed convolutions only: extra length at the end of each output axis (less than the stride). */
    public ConvBuilder<L> outputPadding(int... outputPadding) {
        requireFamily("output_padding", Family.TRANSPOSE);
        this.outputPadding = tuple("output_padding", outputPadding);
        return this;
    }

    /** Depthwise and separable convolutions: depthwise output channels per input channel. */
    public ConvBuilder<L> depthMultiplier(int depthMultiplier) {
        requireFamily("depth_multiplier", Family.DEPTHWISE, Family.SEPARABLE);
        this.depthMultiplier = depthMultiplier;
        return this;
    }

    /** The kernel's initializer (the depthwise kernel's, for the depthwise and separable families). */
    public ConvBuilder<L> kernelInitializer(Initializer i) { this.kernelInitializer = i; return this; }
    /** Keras' {@code kernel_regularizer} argument. */
    public ConvBuilder<L> kernelRegularizer(Regularizer r) { this.kernelRegularizer = r; return this; }
    /** Keras' {@code kernel_constraint} argument. */
    public ConvBuilder<L> kernelConstraint(Constraint c) { this.kernelConstraint = c; return this; }

    /** Keras' {@code depthwise_initializer}. */
    public ConvBuilder<L> depthwiseInitializer(Initializer i) {
        requireFamily("depthwise_initializer", Family.DEPTHWISE, Family.SEPARABLE);
        return kernelInitializer(i);
    }

    /** Keras' {@code depthwise_regularizer} argument. */
    public ConvBuilder<L> depthwiseRegularizer(Regularizer r) {
        requireFamily("depthwise_regularizer", Family.DEPTHWISE, Family.SEPARABLE);
        return kernelRegularizer(r);
    }

    /** Keras' {@code depthwise_constraint} argument. */
    public ConvBuilder<L> depthwiseConstraint(Constraint c) {
        requireFamily("depthwise_constraint", Family.DEPTHWISE, Family.SEPARABLE);
        return kernelConstraint(c);
    }

    /** Keras' {@code pointwise_initializer} argument. */
    public ConvBuilder<L> pointwiseInitializer(Initializer i) {
        requireFamily("pointwise_initializer", Family.SEPARABLE);
        this.pointwiseInitializer = i;
        return this;
    }

    /** Keras' {@code pointwise_regularizer} argument. */
    public ConvBuilder<L> pointwiseRegularizer(Regularizer r) {
        requireFamily("pointwise_regularizer", Family.SEPARABLE);
        this.pointwiseRegularizer = r;
        return this;
    }

    /** Keras' {@code pointwise_constraint} argument. */
    public ConvBuilder<L> pointwiseConstraint(Constraint c) {
        requireFamily("pointwise_constraint", Family.SEPARABLE);
        this.pointwiseConstraint = c;
        return this;
    }

    private void requireFamily(String argument, Family... families) {
        if (!Arrays.asList(families).contains(family)) {
            throw new IllegalArgumentException(className + " has no argument `" + argument + "`");
        }
    }

    /** Checks the arguments as Keras does and makes the layer. */
    public L build() {
        validate();
        if (name == null) {
            name = LayerNames.next(className);
        }
        return Layer.builtFor(factory.apply(this), batchInputShape);
    }

    private boolean hasFilters() {
        return family != Family.DEPTHWISE;
    }

    private void validate() {
        if (hasFilters() && filters <= 0) {
            throw new IllegalArgumentException("Invalid value for argument `filters`. Expected a strictly positive value."
                    + " Received filters=" + filters + ".");
        }
        if (kernelSize == null) {
            throw new IllegalArgumentException(className + " needs the argument `kernel_size`");
        }
        positive("kernel_size", kernelSize);
        positive("strides", strides);
        positive("dilation_rate", dilationRate);
        // TensorFlow's shapes are int32: a dilated kernel's extent (k - 1) * d + 1 must be one
        for (int i = 0; i < kernelSize.length && i < dilationRate.length; i++) {
            if ((long) (kernelSize[i] - 1) * dilationRate[i] + 1 > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("The dilated kernel's extent (kernel_size - 1) * dilation_rate + 1 must"
                        + " fit in int32. Received: kernel_size=" + Shapes.format(kernelSize) + " and dilation_rate="
                        + Shapes.format(dilationRate));
            }
        }
        if (padding == null) throw new IllegalArgumentException("`padding` must not be null");
        if (dataFormat == null) throw new IllegalArgumentException("`data_format` must not be null");
        if (activation == null) throw new IllegalArgumentException("`activation` must not be null");
        if (padding == Padding.CAUSAL && !causalAllowed()) {
            throw new IllegalArgumentException((kerasVersion == KerasVersion.KERAS_3
                    ? "Causal padding is only supported for `Conv1D` in Keras 3."
                    : "Causal padding is only supported for `Conv1D` and `SeparableConv1D`.")
                    + " Received: padding=causal for " + className);
        }
        // Keras 3 dropped this rule for depthwise and separable convolutions (only TensorFlow's kernels lacked it)
        boolean stridesWithDilation = kerasVersion == KerasVersion.KERAS_3
                && (family == Family.DEPTHWISE || family == Family.SEPARABLE);
        if (!stridesWithDilation && Arrays.stream(strides).anyMatch(s -> s > 1)
                && Arrays.stream(dilationRate).anyMatch(d -> d > 1)) {
            throw new IllegalArgumentException("`strides > 1` not supported in conjunction with `dilation_rate > 1`."
                    + " Received: strides=" + Shapes.format(strides) + " and dilation_rate=" + Shapes.format(dilationRate));
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("Invalid value for argument `groups`. Expected a strictly positive value."
                    + " Received groups=" + groups + ".");
        }
        if (hasFilters() && filters % groups != 0) {
            throw new IllegalArgumentException("The number of filters must be evenly divisible by the number of groups."
                    + " Received: groups=" + groups + ", filters=" + filters + ".");
        }
        if (depthMultiplier <= 0) {
            throw new IllegalArgumentException("Invalid value for argument `depth_multiplier`. Expected a strictly"
                    + " positive value. Received depth_multiplier=" + depthMultiplier + ".");
        }
        if (outputPadding != null) {
            for (int p : outputPadding) {
                if (p < 0) {
                    throw new IllegalArgumentException("The `output_padding` argument must be a tuple of " + rank
                            + " integers. Received output_padding=" + Shapes.format(outputPadding)
                            + ", including values {" + p + "} that do not satisfy `value >= 0`");
                }
            }
            for (int i = 0; i < rank; i++) {
                if (outputPadding[i] >= strides[i]) {
                    throw new IllegalArgumentException("Strides must be greater than output padding. Received strides="
                            + Shapes.format(strides) + ", output_padding=" + Shapes.format(outputPadding) + ".");
                }
            }
        }
        if (kernelInitializer == null || biasInitializer == null || pointwiseInitializer == null) {
            throw new IllegalArgumentException(className + ": initializers must not be null");
        }
    }

    private boolean causalAllowed() {
        return rank == 1 && (family == Family.PLAIN
                || family == Family.SEPARABLE && kerasVersion == KerasVersion.KERAS_2);
    }

    private void positive(String argument, int[] values) {
        for (int v : values) {
            if (v <= 0) {
                throw new IllegalArgumentException("The `" + argument + "` argument must be a tuple of " + rank
                        + " integers. Received " + argument + "=" + Shapes.format(values)
                        + ", including values {" + v + "} that do not satisfy `value > 0`");
            }
        }
    }

    /** Reads a Keras config ({@code layer.get_config()} form) into this builder. */
    ConvBuilder<L> fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(className, config);
        name = r.string("name", null);
        trainable = r.bool("trainable", true);
        batchInputShape = r.batchInputShape();
        if (hasFilters()) {
            JsonNode f = r.node("filters");
            if (f.isNull()) throw new IllegalArgumentException(className + " needs the argument `filters`");
            filters = ConfigReader.toInt("filters", f);
        }
        JsonNode k = r.node("kernel_size");
        if (k.isNull()) throw new IllegalArgumentException(className + " needs the argument `kernel_size`");
        kernelSize = ConfigReader.tuple("kernel_size", k, rank);
        strides = r.tuple("strides", rank, strides);
        padding = Padding.parse(r.string("padding", "valid"));
        dataFormat = DataFormat.parse(r.string("data_format", null));
        dilationRate = r.tuple("dilation_rate", rank, dilationRate);
        JsonNode act = r.node("activation");
        activation = Activation.parse(act.isNull() ? null : act.isTextual() ? act.asText()
                : act.path("class_name").asText(act.toString()));
        useBias = r.bool("use_bias", true);
        // tf-keras writes `groups` for every Conv subclass; `0` or null mean 1 there
        int g = r.integer("groups", 1);
        groups = g == 0 ? 1 : g;
        biasInitializer = r.initializer("bias_initializer", "zeros");
        biasRegularizer = r.regularizer("bias_regularizer");
        activityRegularizer = r.regularizer("activity_regularizer");
        biasConstraint = r.constraint("bias_constraint");
        String kernel = family == Family.DEPTHWISE || family == Family.SEPARABLE ? "depthwise" : "kernel";
        kernelInitializer = r.initializer(kernel + "_initializer", "glorot_uniform");
        kernelRegularizer = r.regularizer(kernel + "_regularizer");
        kernelConstraint = r.constraint(kernel + "_constraint");
        switch (family) {
            case PLAIN -> ConfigReader.loraArguments(r);
            case TRANSPOSE -> outputPadding = r.tuple("output_padding", rank, null);
            case DEPTHWISE -> {
                depthMultiplier = r.integer("depth_multiplier", 1);
                // tf-keras passes these on to Conv, which checks them, and never uses them
                r.initializer("kernel_initializer", "glorot_uniform");
                r.regularizer("kernel_regularizer");
                r.constraint("kernel_constraint");
            }
            case SEPARABLE -> {
                depthMultiplier = r.integer("depth_multiplier", 1);
                pointwiseInitializer = r.initializer("pointwise_initializer", "glorot_uniform");
                pointwiseRegularizer = r.regularizer("pointwise_regularizer");
                pointwiseConstraint = r.constraint("pointwise_constraint");
                inheritedKernelInitializer = r.initializer("kernel_initializer", "glorot_uniform");
                inheritedKernelRegularizer = r.regularizer("kernel_regularizer");
                inheritedKernelConstraint = r.constraint("kernel_constraint");
            }
        }
        r.finish();
        return this;
    }




}
