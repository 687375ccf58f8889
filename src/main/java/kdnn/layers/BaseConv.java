package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.Tensor;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Pipeline;

/**
 * The one convolution layer of every rank, as Keras' {@code base_conv.py}: arguments normalized
 * to a {@link ConvSpec} once, shapes computed from it, and each call run as a oneDNN pipeline
 * made once per input shape. Conv1D/2D/3D, Conv2DTranspose and SeparableConv2D are thin
 * definitions over it, differing only in their weights and the oneDNN operations they map to.
 */
public abstract class BaseConv extends Layer {
    /** Which Keras family a layer belongs to. */
    public enum Kind { CONV, TRANSPOSE, SEPARABLE }

    private final Kind kind;
    private final ConvSpec spec;
    private final int filters;
    private final int groups;
    private final int depthMultiplier;
    private final Activation activation;
    private final boolean useBias;
    private final Initializer kernelInitializer;
    private final Initializer pointwiseInitializer;
    private final Initializer biasInitializer;
    private final Regularizer kernelRegularizer;
    private final Regularizer pointwiseRegularizer;
    private final Regularizer biasRegularizer;
    private final Regularizer activityRegularizer;
    private final Constraint kernelConstraint;
    private final Constraint pointwiseConstraint;
    private final Constraint biasConstraint;
    private volatile Precision precision;
    // the weights' bounds, made again whenever they change
    private volatile KerasExtremes extremes;

    protected BaseConv(ConvBuilder<?> b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.kind = b.kind;
        this.spec = new ConvSpec(b.rank, b.kernelSize, b.strides, b.padding, b.dataFormat, b.dilationRate,
                b.kind == Kind.TRANSPOSE, b.outputPadding);
        this.filters = b.filters;
        this.groups = b.groups;
        this.depthMultiplier = b.depthMultiplier;
        this.activation = b.activation;
        this.useBias = b.useBias;
        this.kernelInitializer = b.kernelInitializer;
        this.pointwiseInitializer = b.pointwiseInitializer;
        this.biasInitializer = b.biasInitializer;
        this.kernelRegularizer = b.kernelRegularizer;
        this.pointwiseRegularizer = b.pointwiseRegularizer;
        this.biasRegularizer = b.biasRegularizer;
        this.activityRegularizer = b.activityRegularizer;
        this.kernelConstraint = b.kernelConstraint;
        this.pointwiseConstraint = b.pointwiseConstraint;
        this.biasConstraint = b.biasConstraint;
        this.precision = b.precision;
        if (precision == Precision.BF16) {
            Convolutions.requireBf16();
        }
    }

    public final ConvSpec spec() {
        return spec;
    }

    public final int filters() {
        return filters;
    }

    public final Activation activation() {
        return activation;
    }

    public final boolean useBias() {
        return useBias;
    }

    public final Precision precision() {
        return precision;
    }

    /** Switches the arithmetic (e.g. a whole model to bf16); primitives are remade on the next call. */
    public final void setPrecision(Precision p) {
        if (p == Precision.BF16) {
            Convolutions.requireBf16();
        }
        exclusively(() -> {
            precision = java.util.Objects.requireNonNull(p, "precision");
            pipelines.close();
        });
    }

    @Override
    public final long[] computeOutputShape(long[] shape) {
        int rank = spec.rank();
        if (shape.length != rank + 2) {
            throw incompatible(shape, "expected ndim=" + (rank + 2) + ", found ndim=" + shape.length);
        }
        long channels = spec.channels(shape);
        int channelAxis = spec.format() == DataFormat.CHANNELS_FIRST ? 1 : -1;
        if (isBuilt() && channels != inputChannels()) {
            throw incompatible(shape, "expected axis " + channelAxis + " of input shape to have value "
                    + inputChannels() + ", but received input with shape " + Shapes.format(shape));
        }
        if (channels <= 0) {
            throw incompatible(shape, "the channel axis " + channelAxis + " must be positive");
        }
        if (kind == Kind.CONV && channels % groups != 0) {
            throw new IllegalArgumentException("The number of input channels must be evenly divisible by the number of"
                    + " groups. Received groups=" + groups + ", but the input has " + channels
                    + " channels (full input shape is " + Shapes.format(shape) + ")");
        }
        long[] spatial = spec.spatial(shape);
        for (long s : spatial) {
            if (s <= 0) {
                throw incompatible(shape, "every spatial dimension must be positive");
            }
        }
        long[] out = spec.outputSpatial(spatial);
        for (long o : out) {
            if (o <= 0) {
                throw new IllegalArgumentException("One of the dimensions in the output is <= 0 due to downsampling in "
                        + name() + ". Consider increasing the input size. Received input shape " + Shapes.format(shape)
                        + " which would produce output shape with a zero or negative value in a dimension.");
            }
        }
        return spec.kerasShape(shape[0], out, filters);
    }

    @Override
    long work(long[] inputShape) {
        long[] out = computeOutputShape(inputShape);
        long in = spec.channels(inputShape);
        long positions = out[0];
        for (long o : spec.spatial(out)) positions *= o;
        long taps = 1;
        for (int k : spec.kernel()) taps *= k;
        return switch (kind) {
            case CONV -> positions * filters * (in / groups) * taps;
            // a transposed convolution does the same multiply-adds, counted from its input side
            case TRANSPOSE -> positions / Math.max(1, product(spec.strides())) * filters * in * taps;
            case SEPARABLE -> positions * in * depthMultiplier * (taps + filters);
        };
    }

    private static long product(int[] values) {
        long p = 1;
        for (int v : values) p *= v;
        return p;
    }

    private long inputChannels() {
        Variable k = variables.get(0);
        return switch (kind) {
            case CONV -> (long) k.shape[spec.rank()] * groups;
            case TRANSPOSE -> k.shape[spec.rank() + 1];
            case SEPARABLE -> k.shape[spec.rank()];
        };
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        int in = Math.toIntExact(spec.channels(inputShape));
        int[] k = spec.kernel();
        int rank = spec.rank();
        switch (kind) {
            case CONV -> variables.add(variable("kernel", append(k, in / groups, filters), kernelInitializer,
                    kernelRegularizer, kernelConstraint));
            case TRANSPOSE -> variables.add(variable("kernel", append(k, filters, in), kernelInitializer,
                    kernelRegularizer, kernelConstraint));
            case SEPARABLE -> {
                variables.add(variable("depthwise_kernel", append(k, in, depthMultiplier), kernelInitializer,
                        kernelRegularizer, kernelConstraint));
                int[] ones = new int[rank];
                Arrays.fill(ones, 1);
                variables.add(variable("pointwise_kernel", append(ones, in * depthMultiplier, filters),
                        pointwiseInitializer, pointwiseRegularizer, pointwiseConstraint));
            }
        }
        if (useBias) {
            variables.add(variable("bias", new int[] {filters}, biasInitializer, biasRegularizer, biasConstraint));
        }
    }

    @Override
    void weightsChanged() {
        Variable kernel = variables.get(0);
        long count = Shapes.product(kernel.shape);
        int rank = spec.rank();
        double g = switch (kind) {
            case CONV -> KerasExtremes.gain(kernel.data, count, filters, 1);
            case TRANSPOSE -> KerasExtremes.gain(kernel.data, count, filters, kernel.shape[rank + 1]);
            case SEPARABLE -> {
                Variable pointwise = variables.get(1);
                double depthwise = KerasExtremes.gain(kernel.data, count, (long) kernel.shape[rank] * kernel.shape[rank + 1], 1);
                // the depthwise result is bounded too: it is an intermediate (bf16 when computing in bf16)
                yield depthwise * Math.max(1, KerasExtremes.gain(pointwise.data, Shapes.product(pointwise.shape), filters, 1));
            }
        };
        double bias = useBias
                ? KerasExtremes.maxMagnitude(variables.get(variables.size() - 1).data.asSlice(0, (long) filters * Float.BYTES))
                : 0;
        extremes = new KerasExtremes(activation, spec.format(), g, bias);
    }

    @Override
    double outputBound(double inputBound) {
        return activation.bound(extremes.preActivationBound(inputBound));
    }

    @Override
    KerasExtremes kerasExtremes() {
        return activation.fusedKeepsExtremes() ? null : extremes;
    }

    private Variable variable(String name, int[] shape, Initializer init, Regularizer reg, Constraint constraint) {
        return new Variable(name, shape, arena, init, reg, constraint);
    }

    private static int[] append(int[] head, int a, int b) {
        int[] s = Arrays.copyOf(head, head.length + 2);
        s[head.length] = a;
        s[head.length + 1] = b;
        return s;
    }


    @Override
    boolean acceptsInputPadding(int[][] padding, DataFormat format, long[] paddedInputShape) {
        if (kind == Kind.TRANSPOSE || format != spec.format() || padding.length != spec.rank()) {
            return false;
        }
        // keep every side's padding inside the kernel's reach: all oneDNN implementations take that
        long[] spatial = spec.spatial(paddedInputShape);
        for (int i = 0; i < spec.rank(); i++) {
            if (spec.padBefore(i, spatial[i]) + padding[i][0] >= spec.effectiveKernel(i)
                    || spec.padAfter(i, spatial[i]) + padding[i][1] >= spec.effectiveKernel(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    long[] paddedShape(long[] shape, int[][] padding) {
        if (padding == null) {
            return shape;
        }
        long[] spatial = spec.spatial(shape);
        for (int i = 0; i < spatial.length; i++) spatial[i] += padding[i][0] + padding[i][1];
        return spec.kerasShape(shape[0], spatial, spec.channels(shape));
    }

    /**
     * The oneDNN operations of this layer for one input shape. A folded ZeroPadding extends the
     * input: Keras' geometry is computed on the padded shape, and the zeros become part of the
     * first convolution's own padding.
     */
    @Override
    protected final Pipeline pipeline(long[] inputShape, Variant variant) {
        int rank = spec.rank();
        int[][] padding = variant.inputPadding() == null ? new int[rank][2] : variant.inputPadding();
        long[] src = spec.logical(inputShape);
        long[] padded = paddedShape(inputShape, padding);
        long[] spatialIn = spec.spatial(padded);
        long[] dst = spec.logical(computeOutputShape(padded));
        long[] padLeft = spec.dnnlPadLeft(spatialIn);
        long[] padRight = spec.dnnlPadRight(spatialIn);
        for (int i = 0; i < rank; i++) {
            padLeft[i] += padding[i][0];
            padRight[i] += padding[i][1];
        }
        Activation act = variant.preActivation() ? Activation.LINEAR : activation;
        Variable kernel = variables.get(0);
        Variable bias = useBias ? variables.get(variables.size() - 1) : null;
        List<Convolutions.Op> ops = new ArrayList<>();
        long in = src[1];
        switch (kind) {
            case CONV -> {
                long[] w = groups == 1 ? dims(filters, in, spec.kernel())
                        : dims(groups, filters / groups, in / groups, spec.kernel());
                int tag = groups == 1 ? WeightTags.io(rank) : WeightTags.igo(rank);
                ops.add(op(false, w, tag, kernel, bias, dst, padLeft, padRight, act));
            }
            case TRANSPOSE -> ops.add(op(true, dims(filters, in, spec.kernel()), WeightTags.oi(rank), kernel, bias, dst,
                    padLeft, padRight, act));
            case SEPARABLE -> {
                // depthwise: groups = input channels, output channel c*dm + m, no bias or activation
                long[] mid = dst.clone();
                mid[1] = in * depthMultiplier;
                ops.add(new Convolutions.Op(false, dims(in, depthMultiplier, 1, spec.kernel()), WeightTags.igo(rank),
                        kernel.data, null, mid, spec.dnnlStrides(), spec.dnnlDilates(), padLeft, padRight, List.of()));
                int[] ones = new int[rank];
                Arrays.fill(ones, 1);
                long[] zeros = new long[rank];
                long[] unit = new long[rank];
                Arrays.fill(unit, 1);
                ops.add(new Convolutions.Op(false, dims(filters, mid[1], ones), WeightTags.io(rank),
                        variables.get(1).data, bias == null ? null : bias.data, dst, unit, zeros, zeros, zeros,
                        act.postOps()));
            }
        }
        int srcTag = variant.inputChannelsLast(spec.format()) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        int dstTag = variant.outputChannelsLast(spec.format()) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        return Convolutions.build(src, srcTag, dstTag, ops, tail(act), precision == Precision.BF16);
    }

    private Convolutions.Op op(boolean transposed, long[] weights, int tag, Variable kernel, Variable bias, long[] dst,
                               long[] padLeft, long[] padRight, Activation act) {
        return new Convolutions.Op(transposed, weights, tag, kernel.data, bias == null ? null : bias.data, dst,
                spec.dnnlStrides(), spec.dnnlDilates(), padLeft, padRight, act.postOps());
    }

    /** Softmax acts on the LAST axis of the returned layout, as in Keras: C, or W for channels_first. */
    private Convolutions.Tail tail(Activation act) {
        return switch (act) {
            case SOFTMAX, LOG_SOFTMAX -> new Convolutions.Tail(spec.format() == DataFormat.CHANNELS_FIRST ? spec.rank() + 1 : 1,
                    act == Activation.LOG_SOFTMAX, null);
            case SOFTSIGN -> new Convolutions.Tail(-1, Activation::softsign);
            default -> Convolutions.Tail.NONE;
        };
    }

    private static long[] dims(long a, long b, int[] kernel) {
        long[] d = new long[kernel.length + 2];
        d[0] = a;
        d[1] = b;
        for (int i = 0; i < kernel.length; i++) d[i + 2] = kernel[i];
        return d;
    }

    private static long[] dims(long g, long o, long i, int[] kernel) {
        long[] d = new long[kernel.length + 3];
        d[0] = g;
        d[1] = o;
        d[2] = i;
        for (int j = 0; j < kernel.length; j++) d[j + 3] = kernel[j];
        return d;
    }

    @Override
    public double activityPenalty(Tensor output) {
        ensureOpen();
        return activityRegularizer == null ? 0 : activityRegularizer.penalty(output.toFloatArray());
    }

    /** Keras' config keys, in Keras' order. */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("filters", filters);
        putTuple(c, "kernel_size", spec.kernel());
        putTuple(c, "strides", spec.strides());
        c.put("padding", spec.padding().kerasName());
        c.put("data_format", spec.format().kerasName());
        putTuple(c, "dilation_rate", spec.dilation());
        if (kind == Kind.CONV) c.put("groups", groups);
        if (kind == Kind.TRANSPOSE) {
            if (spec.outputPadding() == null) c.putNull("output_padding");
            else putTuple(c, "output_padding", spec.outputPadding());
        }
        if (kind == Kind.SEPARABLE) c.put("depth_multiplier", depthMultiplier);
        c.put("activation", activation.kerasName());
        c.put("use_bias", useBias);
        String k = kind == Kind.SEPARABLE ? "depthwise" : "kernel";
        c.set(k + "_initializer", kernelInitializer.toConfig());
        if (kind == Kind.SEPARABLE) c.set("pointwise_initializer", pointwiseInitializer.toConfig());
        c.set("bias_initializer", biasInitializer.toConfig());
        c.set(k + "_regularizer", config(kernelRegularizer));
        if (kind == Kind.SEPARABLE) c.set("pointwise_regularizer", config(pointwiseRegularizer));
        c.set("bias_regularizer", config(biasRegularizer));
        c.set("activity_regularizer", config(activityRegularizer));
        c.set(k + "_constraint", config(kernelConstraint));
        if (kind == Kind.SEPARABLE) c.set("pointwise_constraint", config(pointwiseConstraint));
        c.set("bias_constraint", config(biasConstraint));
        return c;
    }

    private static JsonNode config(Regularizer r) {
        return r == null ? JsonNodeFactory.instance.nullNode() : r.toConfig();
    }

    private static JsonNode config(Constraint r) {
        return r == null ? JsonNodeFactory.instance.nullNode() : r.toConfig();
    }

    private static void putTuple(ObjectNode c, String key, int[] values) {
        var a = c.putArray(key);
        for (int v : values) a.add(v);
    }
}
