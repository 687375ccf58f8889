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
 * What every convolution layer of every rank shares: arguments normalized to a {@link ConvSpec}
 * once, shapes computed from it, the bias and activation, and each call run as a oneDNN pipeline
 * made once per input shape. Each Keras family is a subclass, as in Keras 3's
 * {@code base_conv.py}, {@code base_conv_transpose.py}, {@code base_depthwise_conv.py} and
 * {@code base_separable_conv.py}: it says which weights it has and which oneDNN convolutions
 * compute it; the per-rank Keras classes over those are thin.
 */
public abstract class BaseConv extends Layer {
    private final ConvSpec spec;
    private final KerasVersion kerasVersion;
    private final Activation activation;
    private final boolean useBias;
    private final Initializer biasInitializer;
    private final Regularizer biasRegularizer;
    private final Regularizer activityRegularizer;
    private final Constraint biasConstraint;
    private volatile Precision precision;
    private final WeightBounds extremes = new WeightBounds(this::makeExtremes);

    BaseConv(ConvBuilder<?> b, ConvSpec spec) {
        super(b.name, b.batchInputShape, b.trainable);
        this.spec = spec;
        this.kerasVersion = b.kerasVersion;
        this.activation = b.activation;
        this.useBias = b.useBias;
        this.biasInitializer = b.biasInitializer;
        this.biasRegularizer = b.biasRegularizer;
        this.activityRegularizer = b.activityRegularizer;
        this.biasConstraint = b.biasConstraint;
        this.precision = b.precision;
        if (precision == Precision.BF16) {
            Convolutions.requireBf16();
        }
    }

    /** The geometry of a forward convolution as the builder gives it. */
    static ConvSpec forwardSpec(ConvBuilder<?> b) {
        return new ConvSpec(b.rank, b.kernelSize, b.strides, b.padding, b.dataFormat, b.dilationRate, false, null);
    }

    /** The rank-generic convolution geometry (kernel, strides, padding, data format, dilation). */
    public final ConvSpec spec() {
        return spec;
    }

    /** Whose rules this layer follows where Keras 2 and Keras 3 differ. */
    public final KerasVersion kerasVersion() {
        return kerasVersion;
    }

    /** Keras' {@code activation} argument. */
    public final Activation activation() {
        return activation;
    }

    /** Keras' {@code use_bias} argument. */
    public final boolean useBias() {
        return useBias;
    }

    /** The precision of weights and computation (float32, or bf16 on request). */
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
            bumpWeightsVersion();
        });
        kdnn.internal.PrecisionChanges.changed();
    }

    // ---- what each family says ---------------------------------------------------------------

    /** The output channels for inputs with this many channels. */
    abstract long outputChannels(long inputChannels);

    /** The input channels the built weights are for. */
    abstract long builtInputChannels();

    /** Refuses input channels the family cannot take (e.g. not divisible by groups); shape for the message. */
    void checkInputChannels(long channels, long[] shape) {
    }

    /** Refuses geometry Keras accepts but its backend refuses at call (transposed lengths). */
    void checkSpatial(long[] spatialIn, long[] spatialOut) {
    }

    /** Multiply-adds of one call: {@code positions} output positions (batch included), {@code in} input channels. */
    abstract long multiplyAdds(long positions, long in, long taps);

    /** Creates the family's kernels for this many input channels (the bias is added after them). */
    abstract void createKernels(int inputChannels);

    /** The largest sum of |w| one output draws on through the kernels (see {@link KerasExtremes#gain}). */
    abstract double gain();

    /**
     * The oneDNN convolutions from logical input dims {@code src} to {@code dst}, with oneDNN's
     * paddings, the last one carrying the bias and {@code act}.
     */
    abstract List<Convolutions.Op> ops(long[] src, long[] dst, long[] padLeft, long[] padRight,
                                       List<kdnn.runtime.Attributes.PostOp> post);

    // ---- shared ---------------------------------------------------------------------------------

    @Override
    public final long[] computeOutputShape(long[] shape) {
        int rank = spec.rank();
        if (shape.length != rank + 2) {
            throw incompatible(shape, "expected ndim=" + (rank + 2) + ", found ndim=" + shape.length);
        }
        long channels = spec.channels(shape);
        int channelAxis = spec.format() == DataFormat.CHANNELS_FIRST ? 1 : -1;
        if (isBuilt() && channels != builtInputChannels()) {
            throw incompatible(shape, "expected axis " + channelAxis + " of input shape to have value "
                    + builtInputChannels() + ", but received input with shape " + Shapes.format(shape));
        }
        if (channels <= 0) {
            throw incompatible(shape, "the channel axis " + channelAxis + " must be positive");
        }
        checkInputChannels(channels, shape);
        long[] spatial = spec.spatial(shape);
        for (long s : spatial) {
            // an unknown length (a model for any image size) is known at the call
            if (s == 0 || s < -1) {
                throw incompatible(shape, "every spatial dimension must be positive");
            }
        }
        long[] out = spec.outputSpatial(spatial);
        for (int i = 0; i < out.length; i++) {
            long o = out[i];
            if (o <= 0 && spatial[i] >= 0) {
                throw new IllegalArgumentException("One of the dimensions in the output is <= 0 due to downsampling in "
                        + name() + ". Consider increasing the input size. Received input shape " + Shapes.format(shape)
                        + " which would produce output shape with a zero or negative value in a dimension.");
            }
        }
        checkSpatial(spatial, out);
        return spec.kerasShape(shape[0], out, outputChannels(channels));
    }

    @Override
    final long work(long[] inputShape) {
        long[] out = computeOutputShape(inputShape);
        long positions = out[0];
        for (long o : spec.spatial(out)) positions *= o;
        long taps = 1;
        for (int k : spec.kernel()) taps *= k;
        return multiplyAdds(positions, spec.channels(inputShape), taps);
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        int in = Math.toIntExact(spec.channels(inputShape));
        createKernels(in);
        if (useBias) {
            variables.add(variable("bias", new int[] {Math.toIntExact(outputChannels(in))}, biasInitializer,
                    biasRegularizer, biasConstraint));
        }
    }

    /** The bias, or null without one. */
    final Variable bias() {
        return useBias ? variables.get(variables.size() - 1) : null;
    }

    @Override
    final void weightsChanged() {
        extremes.invalidate();
    }

    private KerasExtremes makeExtremes() {
        Variable bias = bias();
        return new KerasExtremes(activation, spec.format(), gain(), bias == null ? 0
                : KerasExtremes.maxMagnitude(bias.data().asSlice(0, Shapes.product(bias.shape) * Float.BYTES)));
    }

    @Override
    final double outputBound(double inputBound) {
        return activation.bound(extremes.get().preActivationBound(inputBound));
    }

    @Override
    final KerasExtremes kerasExtremes() {
        return activation.fusedKeepsExtremes() ? null : extremes.get();
    }

    final Variable variable(String name, int[] shape, Initializer init, Regularizer reg, Constraint constraint) {
        return new Variable(name, shape, arena, init, reg, constraint);
    }

    /** Keras' kernel shape: the spatial kernel, then two channel counts. */
    static int[] append(int[] head, int a, int b) {
        int[] s = Arrays.copyOf(head, head.length + 2);
        s[head.length] = a;
        s[head.length + 1] = b;
        return s;
    }

    @Override
    DataFormat variantFormat() {
        return spec.format();
    }

    /**
     * True when a model may fuse a following Add into this layer as a sum post-op: the last
     * operation writes the output directly (no softmax, log_softmax or softsign after it).
     */
    @Override
    boolean acceptsSum() {
        return activation.onlyPostOps();
    }

    @Override
    boolean acceptsInputPadding(int[][] padding, DataFormat format, long[] paddedInputShape) {
        return spec.takesInputPadding(padding, format, paddedInputShape);
    }

    @Override
    final long[] paddedShape(long[] shape, int[][] padding) {
        return spec.padded(shape, padding);
    }

    /**
     * The oneDNN operations of this layer for one input shape. A folded ZeroPadding extends the
     * input: Keras' geometry is computed on the padded shape, and the zeros become part of the
     * first convolution's own padding.
     */
    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
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
        // the last operation's post-ops: the activation, then a fused residual Add and what follows it
        List<kdnn.runtime.Attributes.PostOp> post = new ArrayList<>(act.postOps());
        if (variant.sumIntoOutput()) {
            // a CustomScaleLayer's product, rounded before the sum as TensorFlow rounds it (+ -0 keeps a zero's sign)
            if (variant.summandScale() != 1f) {
                post.add(new kdnn.runtime.Attributes.Eltwise(kdnn.bindings.dnnl_h.dnnl_eltwise_linear(),
                        variant.summandScale(), -0f));
            }
            post.add(new kdnn.runtime.Attributes.Sum(1f));
            if (variant.afterSum() != null) post.addAll(variant.afterSum().postOps());
        }
        int srcTag = variant.inputChannelsLast(spec.format()) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        int dstTag = variant.outputChannelsLast(spec.format()) ? Convolutions.channelsLastTag(rank)
                : Convolutions.channelsFirstTag(rank);
        Pipeline p = Convolutions.build(src, srcTag, dstTag, ops(src, dst, padLeft, padRight, post),
                tail(act, dst, variant.outputChannelsLast(spec.format())),
                precision == Precision.BF16, variant.outputChannelStride(), variant.bf16Input(), variant.bf16Output());
        // oneDNN's gemm-based convolution (e.g. a depthwise, dilated one of a single pixel) gives 0 for a
        // fused sigmoid of NaN where its other kernels and Keras keep NaN: there sigmoid runs in Java after
        // it (where nothing follows the activation in the same primitive)
        if (act == Activation.SIGMOID && !variant.sumIntoOutput() && variant.outputChannelStride() <= 0
                && !variant.bf16Output() && p.implementations().stream().anyMatch(i -> i.contains("gemm"))) {
            p.close();
            p = Convolutions.build(src, srcTag, dstTag, ops(src, dst, padLeft, padRight, new ArrayList<>()),
                    new Convolutions.Tail(-1, false, Activation.sigmoidInJava()), precision == Precision.BF16,
                    variant.outputChannelStride(), variant.bf16Input(), false);
        }
        return p;
    }

    /**
     * In bf16 and with nothing after the convolution in Java or softmax: its output can stay bf16,
     * unless this input makes the convolution compute in float32 ({@link Convolutions#computesBf16}).
     */
    @Override
    final boolean storesBf16(long[] inputShape) {
        return precision == Precision.BF16 && activation.onlyPostOps()
                && Convolutions.computesBf16(spec.logical(inputShape), this instanceof BasePlainConv p ? p.groups() : 1);
    }

    /** One convolution with this layer's strides and dilation, the bias (or none) and these post-ops. */
    final Convolutions.Op op(boolean transposed, long[] weights, int tag, Variable kernel, Variable bias, long[] dst,
                             long[] padLeft, long[] padRight, List<kdnn.runtime.Attributes.PostOp> post) {
        return new Convolutions.Op(transposed, weights, tag, kernel.data(), bias == null ? null : bias.data(), dst,
                spec.dnnlStrides(), spec.dnnlDilates(), padLeft, padRight, post);
    }

    /**
     * Softmax and sparsemax act on Keras' LAST axis: C, or W for channels_first, whose values
     * lie C apart where the output is stored channels-last ({@code dst}: oneDNN's N, C, spatial).
     */
    private Convolutions.Tail tail(Activation act, long[] dst, boolean channelsLastMemory) {
        boolean cf = spec.format() == DataFormat.CHANNELS_FIRST;
        return act.tail(cf ? spec.rank() + 1 : 1, cf ? dst[dst.length - 1] : dst[1], cf && channelsLastMemory ? dst[1] : 1);
    }

    /** oneDNN weight dims {a, b, k...}. */
    static long[] dims(long a, long b, int[] kernel) {
        long[] d = new long[kernel.length + 2];
        d[0] = a;
        d[1] = b;
        for (int i = 0; i < kernel.length; i++) d[i + 2] = kernel[i];
        return d;
    }

    /** oneDNN grouped weight dims {g, o/g, i/g, k...}. */
    static long[] dims(long g, long o, long i, int[] kernel) {
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

    // ---- config pieces, in the order each family's Keras get_config() writes them -------------------

    /** kernel_size, strides, padding, data_format and (unless left out) dilation_rate. */
    final void putGeometry(ObjectNode c, boolean withDilation) {
        putTuple(c, "kernel_size", spec.kernel());
        putTuple(c, "strides", spec.strides());
        c.put("padding", spec.padding().kerasName());
        c.put("data_format", spec.format().kerasName());
        if (withDilation) putTuple(c, "dilation_rate", spec.dilation());
    }

    final void putActivation(ObjectNode c) {
        c.put("activation", activation.kerasName());
        c.put("use_bias", useBias);
    }

    /** Keras' Conv order: kernel_initializer, bias_initializer, kernel_regularizer, ... bias_constraint. */
    final void putKernelAndBias(ObjectNode c, String kernel, Initializer init, Regularizer reg, Constraint constraint) {
        c.set(kernel + "_initializer", init.toConfig());
        c.set("bias_initializer", biasInitializer.toConfig());
        c.set(kernel + "_regularizer", config(reg));
        c.set("bias_regularizer", config(biasRegularizer));
        c.set("activity_regularizer", config(activityRegularizer));
        c.set(kernel + "_constraint", config(constraint));
        c.set("bias_constraint", config(biasConstraint));
    }

    /** bias_initializer, bias_regularizer, activity_regularizer, bias_constraint (DepthwiseConv's order). */
    final void putBias(ObjectNode c) {
        c.set("bias_initializer", biasInitializer.toConfig());
        c.set("bias_regularizer", config(biasRegularizer));
        c.set("activity_regularizer", config(activityRegularizer));
        c.set("bias_constraint", config(biasConstraint));
    }

    static JsonNode config(Regularizer r) {
        return r == null ? JsonNodeFactory.instance.nullNode() : r.toConfig();
    }

    static JsonNode config(Constraint r) {
        return r == null ? JsonNodeFactory.instance.nullNode() : r.toConfig();
    }

    static void putTuple(ObjectNode c, String key, int[] values) {
        var a = c.putArray(key);
        for (int v : values) a.add(v);
    }
}
