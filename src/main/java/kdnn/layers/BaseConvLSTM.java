package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;
import kdnn.runtime.Pipeline;

/**
 * Keras' convolutional LSTM of any rank (ConvLSTM1D, 2D, 3D): over the steps of a
 * {@code (batch, time, spatial..., channels)} input (channels first with {@code channels_first}),
 * an LSTM whose products are convolutions: the input's with {@code kernel} (strides, padding,
 * dilation, bias), the state's with {@code recurrent_kernel} ("same", stride 1), gates i, f, c, o.
 * The input convolution runs once over all steps (time folded into the batch) and the recurrent
 * one per step, both on oneDNN through hidden convolution layers; the gates' activations on oneDNN
 * over dense buffers, their sums and products in Java.
 */
public abstract class BaseConvLSTM extends Layer {
    private final int rank;
    private final int filters;
    private final int[] kernelSize;
    private final ObjectNode config;
    private final DataFormat dataFormat;
    private final Activation activation;
    private final Activation gate;
    private final boolean useBias;
    private final boolean unitForgetBias;
    private final boolean returnSequences;
    private final boolean returnState;
    private final boolean goBackwards;
    private final Initializer kernelInitializer;
    private final Initializer recurrentInitializer;
    private final Initializer biasInitializer;
    private final Regularizer kernelRegularizer;
    private final Regularizer recurrentRegularizer;
    private final Regularizer biasRegularizer;
    private final Regularizer activityRegularizer;
    private final Constraint kernelConstraint;
    private final Constraint recurrentConstraint;
    private final Constraint biasConstraint;

    BaseConvLSTM(int rank, String className, JsonNode config) {
        this(rank, className, config, new ConfigReader(className, config));
    }

    private BaseConvLSTM(int rank, String className, JsonNode config, ConfigReader r) {
        super(nameOf(r, className), r.batchInputShape(), r.bool("trainable", true));
        this.rank = rank;
        JsonNode f = r.node("filters");
        if (f.isNull()) throw new IllegalArgumentException(className + " needs the argument `filters`");
        this.filters = ConfigReader.toInt("filters", f);
        if (filters <= 0) {
            throw new IllegalArgumentException("Invalid value for argument `filters`. Expected a strictly positive value."
                    + " Received filters=" + filters + ".");
        }
        this.kernelSize = r.tuple("kernel_size", rank, null);
        if (kernelSize == null) throw new IllegalArgumentException(className + " needs the argument `kernel_size`");
        int[] strides = r.tuple("strides", rank, ones(rank));
        int[] dilation = r.tuple("dilation_rate", rank, ones(rank));
        String padding = r.string("padding", "valid").toLowerCase(java.util.Locale.ROOT);
        this.dataFormat = DataFormat.parse(r.string("data_format", null));
        this.activation = Activation.parse(BaseRecurrent.RecurrentArguments.activationName(r, "activation", "tanh"));
        this.gate = Activation.parse(BaseRecurrent.RecurrentArguments.activationName(r, "recurrent_activation",
                "sigmoid"));
        for (Activation a : List.of(activation, gate)) {
            if (!RecurrentSteps.supports(a)) {
                throw new IllegalArgumentException(className + " activations must be one of sigmoid, hard_sigmoid, tanh,"
                        + " relu or linear in kdnn. Received: " + a.kerasName());
            }
        }
        this.useBias = r.bool("use_bias", true);
        this.unitForgetBias = r.bool("unit_forget_bias", true);
        this.kernelInitializer = r.initializer("kernel_initializer", "glorot_uniform");
        this.recurrentInitializer = r.initializer("recurrent_initializer", "orthogonal");
        this.biasInitializer = r.initializer("bias_initializer", "zeros");
        this.kernelRegularizer = r.regularizer("kernel_regularizer");
        this.recurrentRegularizer = r.regularizer("recurrent_regularizer");
        this.biasRegularizer = r.regularizer("bias_regularizer");
        this.activityRegularizer = r.regularizer("activity_regularizer");
        this.kernelConstraint = r.constraint("kernel_constraint");
        this.recurrentConstraint = r.constraint("recurrent_constraint");
        this.biasConstraint = r.constraint("bias_constraint");
        this.returnSequences = r.bool("return_sequences", false);
        this.returnState = r.bool("return_state", false);
        this.goBackwards = r.bool("go_backwards", false);
        if (r.bool("stateful", false)) {
            throw new IllegalArgumentException(className + " `stateful=True` is not supported by kdnn: its state carries"
                    + " over from one call to the next. Received: stateful=true");
        }
        // at inference these change nothing: dropout masks, the loop's form, the dropout seed
        r.node("dropout");
        r.node("recurrent_dropout");
        r.node("unroll");
        r.node("seed");
        r.node("zero_output_for_mask"); // without a mask (refused here) every step is computed
        r.node("implementation"); // TF.js and tf.keras write it: how the loop runs, not what it computes
        r.finish();
        // the two convolutions as Keras' cell makes them: the input's as configured, the state's "same" with stride 1
        ObjectNode conv = JsonNodeFactory.instance.objectNode();
        conv.put("filters", 4 * filters);
        ArrayNode k = conv.putArray("kernel_size");
        for (int x : kernelSize) k.add(x);
        ArrayNode s = conv.putArray("strides");
        for (int x : strides) s.add(x);
        conv.put("padding", padding);
        conv.put("data_format", dataFormat == DataFormat.CHANNELS_FIRST ? "channels_first" : "channels_last");
        ArrayNode d = conv.putArray("dilation_rate");
        for (int x : dilation) d.add(x);
        conv.put("use_bias", useBias);
        this.config = conv;
    }

    private static String nameOf(ConfigReader r, String className) {
        String name = r.string("name", null);
        return name == null ? LayerNames.next(className) : name;
    }

    private static int[] ones(int n) {
        int[] o = new int[n];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    private String convClass() {
        return "Conv" + rank + "D";
    }

    /** The input's convolution over all steps (time folded into the batch): hidden, owned by this layer. */
    private Layer inputConv() {
        return hidden("input conv", () -> Layers.fromConfig(JsonNodeFactory.instance.objectNode().put("class_name",
                convClass()).set("config", config.deepCopy().put("name", name() + "_input_conv"))));
    }

    /** The state's convolution, "same" with stride 1, no bias: hidden, owned by this layer. */
    private Layer recurrentConv() {
        ObjectNode c = config.deepCopy();
        c.put("name", name() + "_recurrent_conv");
        c.put("padding", "same");
        c.remove("strides");
        c.remove("dilation_rate");
        c.put("use_bias", false);
        return hidden("recurrent conv", () -> Layers.fromConfig(JsonNodeFactory.instance.objectNode().put("class_name",
                convClass()).set("config", c)));
    }

    /** Keras' {@code filters}. */
    public final int filters() {
        return filters;
    }

    /** Keras' {@code return_sequences}. */
    public final boolean returnSequences() {
        return returnSequences;
    }

    private boolean channelsFirst() {
        return dataFormat == DataFormat.CHANNELS_FIRST;
    }

    /** One step's input: {@code (batch, spatial..., channels)} or channels first, from {@code (batch, time, ...)}. */
    private static long[] stepShape(long[] in) {
        long[] s = new long[in.length - 1];
        s[0] = in[0] < 0 || in[1] < 0 ? -1 : in[0] * in[1];
        System.arraycopy(in, 2, s, 1, in.length - 2);
        return s;
    }

    /** The state's shape {@code (batch, spatial..., filters)} (or channels first) for this input. */
    private long[] stateShape(long[] in) {
        long[] conv = inputConv().computeOutputShape(stepShape(in));
        long[] s = conv.clone();
        s[0] = in[0];
        s[channelsFirst() ? 1 : s.length - 1] = filters;
        return s;
    }

    @Override
    public final long[] computeOutputShape(long[] in) {
        List<long[]> outs = computeOutputShapes(List.of(in));
        return outs.size() == 1 ? outs.get(0) : BaseRecurrent.packed(outs);
    }

    @Override
    public final long[] computeOutputShape(List<long[]> inputShapes) {
        List<long[]> outs = computeOutputShapes(inputShapes);
        return outs.size() == 1 ? outs.get(0) : BaseRecurrent.packed(outs);
    }

    /** Keras' outputs: the states of every step or the last one, then with return_state the last h and c. */
    @Override
    public final List<long[]> computeOutputShapes(List<long[]> inputShapes) {
        if (inputShapes.size() != 1) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (" + className() + ") expects 1 input (initial"
                    + " states are not supported), but it received " + inputShapes.size() + " input tensors");
        }
        long[] in = inputShapes.get(0);
        if (in.length != rank + 3) {
            throw incompatible(in, "expected ndim=" + (rank + 3) + ", found ndim=" + in.length);
        }
        int channelAxis = channelsFirst() ? 2 : in.length - 1;
        if (in[channelAxis] <= 0) {
            throw incompatible(in, "the channel dimension of the inputs should be defined. Found None");
        }
        if (isBuilt() && builtInputShape()[channelAxis] != in[channelAxis]) {
            throw incompatible(in, "expected axis " + channelAxis + " of input shape to have value "
                    + builtInputShape()[channelAxis]);
        }
        long[] state = stateShape(in);
        long[] out = state;
        if (returnSequences) {
            out = new long[state.length + 1];
            out[0] = in[0];
            out[1] = in[1];
            System.arraycopy(state, 1, out, 2, state.length - 1);
        }
        return returnState ? List.of(out, state, state.clone()) : List.of(out);
    }

    /** Keras' RNN reads the mask; kdnn's convolutional LSTM does not: refused where one would reach it. */
    @Override
    final kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        if (inputMasked.length > 0 && inputMasked[0]) {
            throw new IllegalArgumentException("layer \"" + name() + "\" (" + className() + ") is given a Keras mask,"
                    + " which kdnn's convolutional LSTM does not read");
        }
        return kdnn.internal.MaskUse.DROPS;
    }

    @Override
    protected final void createWeights(long[] in) {
        pendingShape = in.clone();
        int channels = Math.toIntExact(in[channelsFirst() ? 2 : in.length - 1]);
        int[] kernel = new int[rank + 2];
        int[] recurrent = new int[rank + 2];
        System.arraycopy(kernelSize, 0, kernel, 0, rank);
        System.arraycopy(kernelSize, 0, recurrent, 0, rank);
        kernel[rank] = channels;
        kernel[rank + 1] = 4 * filters;
        recurrent[rank] = filters;
        recurrent[rank + 1] = 4 * filters;
        variables.add(new Variable("kernel", kernel, arena, kernelInitializer, kernelRegularizer, kernelConstraint));
        variables.add(new Variable("recurrent_kernel", recurrent, arena, recurrentInitializer, recurrentRegularizer,
                recurrentConstraint));
        if (useBias) {
            variables.add(new Variable("bias", new int[] {4 * filters}, arena,
                    unitForgetBias ? Cells.unitForgetBias(biasInitializer, filters) : biasInitializer, biasRegularizer,
                    biasConstraint));
        }
    }

    /** The hidden convolutions take this layer's weights (again after set-weights). */
    @Override
    final void weightsChanged() {
        List<Weight> w = getWeightsUnlocked();
        inputConv().build(stepShape(builtOrNull()));
        List<Weight> in = new ArrayList<>(List.of(w.get(0)));
        if (useBias) in.add(w.get(2));
        inputConv().setWeights(in);
        long[] state = stateShape(builtOrNull());
        recurrentConv().build(state);
        recurrentConv().setWeights(List.of(w.get(1)));
    }

    private long[] builtOrNull() {
        long[] b = builtInputShape();
        return b != null ? b : pendingShape;
    }

    // the shape being built (weightsChanged runs before the layer records it), set by createWeights
    private volatile long[] pendingShape;

    private List<Weight> getWeightsUnlocked() {
        List<Weight> out = new ArrayList<>();
        for (Variable v : variables) out.add(v.toWeight());
        return out;
    }

    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
        return Pipeline.builder().javaStep(Pipeline.INPUT, Pipeline.OUTPUT, (in, out) -> run(inputShape, in, out)).build();
    }

    @Override
    final long work(long[] inputShape) {
        return Long.MAX_VALUE;
    }

    /** Marks the pipeline-cache keys of the gates' activations (a shape has no negative dims). */
    private static final long GATES = -21;
    private static final long CELLS = -22;

    /**
     * Runs the steps: the input convolution for all of them, then per step the state's, the sums
     * gathered in Java into dense gate buffers, the activations on oneDNN over them, and the cell
     * and state updates in Java. A step whose sums hold NaN or an infinity takes Keras' activations
     * in Java instead: oneDNN's clamp NaN to a finite value (and its relu gives 0), Keras' carry it on.
     */
    private void run(long[] in, MemorySegment input, MemorySegment output) {
        long batch = in[0];
        int steps = Math.toIntExact(in[1]);
        long[] stepIn = stepShape(in);
        long[] convOut = inputConv().computeOutputShape(stepIn);
        long[] state = stateShape(in);
        long positions = Shapes.product(state) / batch / filters;
        long stateSize = positions * filters; // per sample
        long gateSize = 4 * stateSize;
        long count = batch * stateSize;
        PipelineCache.Lease gates = pipelines.acquire(new long[] {GATES, 3 * count}, threads(false),
                k -> kdnn.runtime.Eltwises.chain(k[1], gate.postOps(), null));
        PipelineCache.Lease cells = pipelines.acquire(new long[] {CELLS, count}, threads(false),
                k -> kdnn.runtime.Eltwises.chain(k[1], activation.postOps(), null));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(Shapes.product(convOut) * Float.BYTES, 64);
            inputConv().runSegment(stepIn, input, x, Variant.PLAIN, Double.NaN);
            MemorySegment h = arena.allocate(count * Float.BYTES, 64);
            MemorySegment c = arena.allocate(count * Float.BYTES, 64);
            MemorySegment r = arena.allocate(batch * gateSize * Float.BYTES, 64);
            // i, f and o side by side (count each), then the candidate, then the new cell's activation
            MemorySegment g = arena.allocate(3 * count * Float.BYTES, 64);
            MemorySegment cand = arena.allocate(count * Float.BYTES, 64);
            MemorySegment act = arena.allocate(count * Float.BYTES, 64);
            long outPerSample = Shapes.product(computeOutputShapes(List.of(in)).get(0)) / batch;
            long packed = outPerSample + (returnState ? 2 * stateSize : 0);
            boolean cf = channelsFirst();
            for (int k = 0; k < steps; k++) {
                int t = goBackwards ? steps - 1 - k : k;
                recurrentConv().runSegment(state, h, r, Variant.PLAIN, Double.NaN);
                boolean extreme = false; // a NaN or an infinity among the sums: Keras' activations in Java
                for (long n = 0; n < batch; n++) {
                    long xBase = (n * steps + t) * gateSize;
                    long rBase = n * gateSize;
                    long sBase = n * stateSize;
                    for (long p = 0; p < positions; p++) {
                        for (int j = 0; j < filters; j++) {
                            long at = sBase + (cf ? (long) j * positions + p : p * filters + j);
                            float i = gateValue(x, xBase, r, rBase, cf, positions, 0, j, p);
                            float f = gateValue(x, xBase, r, rBase, cf, positions, 1, j, p);
                            float z = gateValue(x, xBase, r, rBase, cf, positions, 2, j, p);
                            float o = gateValue(x, xBase, r, rBase, cf, positions, 3, j, p);
                            extreme |= !Float.isFinite(i) || !Float.isFinite(f) || !Float.isFinite(z) || !Float.isFinite(o);
                            g.setAtIndex(ValueLayout.JAVA_FLOAT, at, i);
                            g.setAtIndex(ValueLayout.JAVA_FLOAT, count + at, f);
                            cand.setAtIndex(ValueLayout.JAVA_FLOAT, at, z);
                            g.setAtIndex(ValueLayout.JAVA_FLOAT, 2 * count + at, o);
                        }
                    }
                }
                activate(gates, g, g, 3 * count, gate, extreme);
                activate(cells, cand, cand, count, activation, extreme);
                boolean cellExtreme = false;
                for (long i = 0; i < count; i++) {
                    float cv = g.getAtIndex(ValueLayout.JAVA_FLOAT, count + i) * c.getAtIndex(ValueLayout.JAVA_FLOAT, i)
                            + g.getAtIndex(ValueLayout.JAVA_FLOAT, i) * cand.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    cellExtreme |= !Float.isFinite(cv);
                    c.setAtIndex(ValueLayout.JAVA_FLOAT, i, cv);
                }
                activate(cells, c, act, count, activation, cellExtreme);
                for (long i = 0; i < count; i++) {
                    h.setAtIndex(ValueLayout.JAVA_FLOAT, i, g.getAtIndex(ValueLayout.JAVA_FLOAT, 2 * count + i)
                            * act.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                }
                if (returnSequences) {
                    for (long n = 0; n < batch; n++) {
                        MemorySegment.copy(h, n * stateSize * Float.BYTES, output,
                                (n * packed + (long) k * stateSize) * Float.BYTES, stateSize * Float.BYTES);
                    }
                }
            }
            for (long n = 0; n < batch; n++) {
                long sBase = n * stateSize * Float.BYTES;
                long at = n * packed * Float.BYTES;
                if (!returnSequences) MemorySegment.copy(h, sBase, output, at, stateSize * Float.BYTES);
                if (returnState) {
                    MemorySegment.copy(h, sBase, output, at + outPerSample * Float.BYTES, stateSize * Float.BYTES);
                    MemorySegment.copy(c, sBase, output, at + (outPerSample + stateSize) * Float.BYTES,
                            stateSize * Float.BYTES);
                }
            }
        } finally {
            gates.release();
            cells.release();
        }
    }

    /** {@code a} over {@code n} values: oneDNN's form, or Keras' in Java where some are NaN or infinite. */
    private static void activate(PipelineCache.Lease onDnnl, MemorySegment from, MemorySegment to, long n, Activation a,
                                 boolean extreme) {
        if (!extreme) {
            onDnnl.pipeline().execute(from, to);
            return;
        }
        for (long i = 0; i < n; i++) {
            to.setAtIndex(ValueLayout.JAVA_FLOAT, i, RecurrentSteps.apply(a, from.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
        }
    }

    /** The input's and the state's products for gate {@code g}, filter {@code j}, position {@code p}. */
    private float gateValue(MemorySegment x, long xBase, MemorySegment r, long rBase, boolean cf, long positions, int g,
                            int j, long p) {
        long channel = (long) g * filters + j;
        long off = cf ? channel * positions + p : p * 4L * filters + channel;
        return x.getAtIndex(ValueLayout.JAVA_FLOAT, xBase + off) + r.getAtIndex(ValueLayout.JAVA_FLOAT, rBase + off);
    }

    @Override
    public double activityPenalty(kdnn.Tensor output) {
        ensureOpen();
        return activityRegularizer == null ? 0 : activityRegularizer.penalty(output.toFloatArray());
    }

    @Override
    public final ObjectNode getConfig() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode c = baseConfig();
        c.put("filters", filters);
        c.set("kernel_size", config.get("kernel_size").deepCopy());
        c.set("strides", config.get("strides").deepCopy());
        c.put("padding", config.get("padding").asText());
        c.put("data_format", channelsFirst() ? "channels_first" : "channels_last");
        c.set("dilation_rate", config.get("dilation_rate").deepCopy());
        c.put("activation", activation.kerasName());
        c.put("recurrent_activation", gate.kerasName());
        c.put("use_bias", useBias);
        c.set("kernel_initializer", kernelInitializer.toConfig());
        c.set("recurrent_initializer", recurrentInitializer.toConfig());
        c.set("bias_initializer", biasInitializer.toConfig());
        c.put("unit_forget_bias", unitForgetBias);
        c.set("kernel_regularizer", kernelRegularizer == null ? f.nullNode() : kernelRegularizer.toConfig());
        c.set("recurrent_regularizer", recurrentRegularizer == null ? f.nullNode() : recurrentRegularizer.toConfig());
        c.set("bias_regularizer", biasRegularizer == null ? f.nullNode() : biasRegularizer.toConfig());
        c.set("activity_regularizer", activityRegularizer == null ? f.nullNode() : activityRegularizer.toConfig());
        c.set("kernel_constraint", kernelConstraint == null ? f.nullNode() : kernelConstraint.toConfig());
        c.set("recurrent_constraint", recurrentConstraint == null ? f.nullNode() : recurrentConstraint.toConfig());
        c.set("bias_constraint", biasConstraint == null ? f.nullNode() : biasConstraint.toConfig());
        c.put("dropout", 0.0);
        c.put("recurrent_dropout", 0.0);
        c.put("return_sequences", returnSequences);
        c.put("return_state", returnState);
        c.put("go_backwards", goBackwards);
        c.put("stateful", false);
        return c;
    }
}
