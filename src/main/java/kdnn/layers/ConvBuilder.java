package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Arrays;
import java.util.function.Function;
import kdnn.keras.Constraint;
import kdnn.keras.Constraints;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;
import kdnn.keras.Regularizers;

/**
 * Arguments of a convolution layer with Keras' defaults; checked as Keras checks them when the
 * layer is built. One builder for every rank and kind.
 */
public final class ConvBuilder<L extends BaseConv> {
    final BaseConv.Kind kind;
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
    Initializer kernelInitializer = Initializers.get(TextNode.valueOf("glorot_uniform"));
    Initializer pointwiseInitializer = Initializers.get(TextNode.valueOf("glorot_uniform"));
    Initializer biasInitializer = Initializers.get(TextNode.valueOf("zeros"));
    Regularizer kernelRegularizer;
    Regularizer pointwiseRegularizer;
    Regularizer biasRegularizer;
    Regularizer activityRegularizer;
    Constraint kernelConstraint;
    Constraint pointwiseConstraint;
    Constraint biasConstraint;
    Precision precision = Precision.F32;

    ConvBuilder(BaseConv.Kind kind, int rank, String className, Function<ConvBuilder<L>, L> factory) {
        this.kind = kind;
        this.rank = rank;
        this.className = className;
        this.factory = factory;
        this.strides = ones();
        this.dilationRate = ones();
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

    public ConvBuilder<L> name(String name) { this.name = name; return this; }
    public ConvBuilder<L> trainable(boolean trainable) { this.trainable = trainable; return this; }
    public ConvBuilder<L> filters(int filters) { this.filters = filters; return this; }
    public ConvBuilder<L> kernelSize(int... kernelSize) { this.kernelSize = tuple("kernel_size", kernelSize); return this; }
    public ConvBuilder<L> strides(int... strides) { this.strides = tuple("strides", strides); return this; }
    public ConvBuilder<L> padding(Padding padding) { this.padding = padding; return this; }
    public ConvBuilder<L> dataFormat(DataFormat dataFormat) { this.dataFormat = dataFormat; return this; }
    public ConvBuilder<L> dilationRate(int... dilationRate) { this.dilationRate = tuple("dilation_rate", dilationRate); return this; }
    public ConvBuilder<L> activation(Activation activation) { this.activation = activation; return this; }
    public ConvBuilder<L> useBias(boolean useBias) { this.useBias = useBias; return this; }
    public ConvBuilder<L> biasInitializer(Initializer i) { this.biasInitializer = i; return this; }
    public ConvBuilder<L> biasRegularizer(Regularizer r) { this.biasRegularizer = r; return this; }
    public ConvBuilder<L> activityRegularizer(Regularizer r) { this.activityRegularizer = r; return this; }
    public ConvBuilder<L> biasConstraint(Constraint c) { this.biasConstraint = c; return this; }

    /** The arithmetic: {@link Precision#F32} (default) or {@link Precision#BF16}. */
    public ConvBuilder<L> precision(Precision p) { this.precision = java.util.Objects.requireNonNull(p, "precision"); return this; }

    /** Builds the layer's weights right away for inputs of this shape (batch may be -1). */
    public ConvBuilder<L> batchInputShape(long... shape) { this.batchInputShape = shape.clone(); return this; }

    /** Conv1D/2D/3D only: split channels into groups, each convolved separately. */
    public ConvBuilder<L> groups(int groups) {
        requireKind(BaseConv.Kind.CONV, "groups");
        this.groups = groups;
        return this;
    }

    /** Conv2DTranspose only: extra length at the end of each output axis (less than the stride). */
    public ConvBuilder<L> outputPadding(int... outputPadding) {
        requireKind(BaseConv.Kind.TRANSPOSE, "output_padding");
        this.outputPadding = tuple("output_padding", outputPadding);
        return this;
    }

    /** SeparableConv2D only: depthwise output channels per input channel. */
    public ConvBuilder<L> depthMultiplier(int depthMultiplier) {
        requireKind(BaseConv.Kind.SEPARABLE, "depth_multiplier");
        this.depthMultiplier = depthMultiplier;
        return this;
    }

    /** The kernel's (the depthwise kernel's, for SeparableConv2D) initializer. */
    public ConvBuilder<L> kernelInitializer(Initializer i) { this.kernelInitializer = i; return this; }
    public ConvBuilder<L> kernelRegularizer(Regularizer r) { this.kernelRegularizer = r; return this; }
    public ConvBuilder<L> kernelConstraint(Constraint c) { this.kernelConstraint = c; return this; }

    public ConvBuilder<L> pointwiseInitializer(Initializer i) {
        requireKind(BaseConv.Kind.SEPARABLE, "pointwise_initializer");
        this.pointwiseInitializer = i;
        return this;
    }

    public ConvBuilder<L> pointwiseRegularizer(Regularizer r) {
        requireKind(BaseConv.Kind.SEPARABLE, "pointwise_regularizer");
        this.pointwiseRegularizer = r;
        return this;
    }

    public ConvBuilder<L> pointwiseConstraint(Constraint c) {
        requireKind(BaseConv.Kind.SEPARABLE, "pointwise_constraint");
        this.pointwiseConstraint = c;
        return this;
    }

    private void requireKind(BaseConv.Kind k, String argument) {
        if (kind != k) {
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

    private void validate() {
        if (filters <= 0) {
            throw new IllegalArgumentException("Invalid value for argument `filters`. Expected a strictly positive value."
                    + " Received filters=" + filters + ".");
        }
        if (kernelSize == null) {
            throw new IllegalArgumentException(className + " needs the argument `kernel_size`");
        }
        positive("kernel_size", kernelSize);
        positive("strides", strides);
        positive("dilation_rate", dilationRate);
        if (padding == null) throw new IllegalArgumentException("`padding` must not be null");
        if (dataFormat == null) throw new IllegalArgumentException("`data_format` must not be null");
        if (activation == null) throw new IllegalArgumentException("`activation` must not be null");
        if (padding == Padding.CAUSAL && rank != 1) {
            throw new IllegalArgumentException("Causal padding is only supported for `Conv1D` and `SeparableConv1D`."
                    + " Received: padding=causal for " + className);
        }
        if (padding == Padding.CAUSAL && kind != BaseConv.Kind.CONV) {
            throw new IllegalArgumentException("Causal padding is not supported for " + className);
        }
        if (Arrays.stream(strides).anyMatch(s -> s > 1) && Arrays.stream(dilationRate).anyMatch(d -> d > 1)) {
            throw new IllegalArgumentException("`strides > 1` not supported in conjunction with `dilation_rate > 1`."
                    + " Received: strides=" + Shapes.format(strides) + " and dilation_rate=" + Shapes.format(dilationRate));
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("Invalid value for argument `groups`. Expected a strictly positive value."
                    + " Received groups=" + groups + ".");
        }
        if (filters % groups != 0) {
            throw new IllegalArgumentException("The number of filters must be evenly divisible by the number of groups."
                    + " Received: groups=" + groups + ", filters=" + filters + ".");
        }
        if (depthMultiplier <= 0) {
            throw new IllegalArgumentException("Invalid value for argument `depth_multiplier`. Expected a strictly"
                    + " positive value. Received depth_multiplier=" + depthMultiplier + ".");
        }
        if (outputPadding != null) {
            for (int i = 0; i < rank; i++) {
                if (outputPadding[i] < 0 || outputPadding[i] >= strides[i]) {
                    throw new IllegalArgumentException("Strides " + Shapes.format(strides)
                            + " must be greater than output padding " + Shapes.format(outputPadding)
                            + " (and output padding must be >= 0)");
                }
            }
        }
        if (kernelInitializer == null || biasInitializer == null || pointwiseInitializer == null) {
            throw new IllegalArgumentException(className + ": initializers must not be null");
        }
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
        JsonNode f = r.node("filters");
        if (f.isNull()) throw new IllegalArgumentException(className + " needs the argument `filters`");
        filters = ConfigReader.toInt("filters", f);
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
        String k0 = kind == BaseConv.Kind.SEPARABLE ? "depthwise" : "kernel";
        kernelInitializer = initializer(r, k0 + "_initializer", "glorot_uniform");
        biasInitializer = initializer(r, "bias_initializer", "zeros");
        kernelRegularizer = argument(k0 + "_regularizer", () -> Regularizers.get(r.node(k0 + "_regularizer")));
        biasRegularizer = argument("bias_regularizer", () -> Regularizers.get(r.node("bias_regularizer")));
        activityRegularizer = argument("activity_regularizer", () -> Regularizers.get(r.node("activity_regularizer")));
        kernelConstraint = argument(k0 + "_constraint", () -> Constraints.get(r.node(k0 + "_constraint")));
        biasConstraint = argument("bias_constraint", () -> Constraints.get(r.node("bias_constraint")));
        switch (kind) {
            case CONV -> groups = r.integer("groups", 1);
            case TRANSPOSE -> outputPadding = r.tuple("output_padding", rank, null);
            case SEPARABLE -> {
                depthMultiplier = r.integer("depth_multiplier", 1);
                pointwiseInitializer = initializer(r, "pointwise_initializer", "glorot_uniform");
                pointwiseRegularizer = argument("pointwise_regularizer", () -> Regularizers.get(r.node("pointwise_regularizer")));
                pointwiseConstraint = argument("pointwise_constraint", () -> Constraints.get(r.node("pointwise_constraint")));
                // TensorFlow.js writes the base class's kernel_* keys too; Keras' SeparableConv accepts and ignores them
                r.node("kernel_initializer");
                r.node("kernel_regularizer");
                r.node("kernel_constraint");
            }
        }
        r.finish();
        return this;
    }

    private static Initializer initializer(ConfigReader r, String key, String fallback) {
        JsonNode n = r.node(key);
        return argument(key, () -> Initializers.get(n.isNull() ? TextNode.valueOf(fallback) : n));
    }

    /** Reads one argument; a refusal that does not say which argument gets its name in front. */
    private static <T> T argument(String key, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(key)) {
                throw e;
            }
            throw new IllegalArgumentException("`" + key + "`: " + e.getMessage(), e);
        }
    }
}
