package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;
import kdnn.runtime.InnerProducts;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Recurrences;

/**
 * Keras' recurrent layers (SimpleRNN, LSTM, GRU) on an input {@code (batch, timesteps, features)}:
 * one oneDNN RNN primitive, the weights in Keras' own layout ({@code kernel (features, gates *
 * units)}, {@code recurrent_kernel (units, gates * units)}, {@code bias}). {@code return_sequences}
 * gives every step's output, else the last; {@code go_backwards} runs the steps from the last,
 * listing the outputs in that order, as Keras does. {@code initial_state} (the states given after
 * the sequence) starts the steps, else zeros; {@code return_state} gives the last states as more
 * outputs (packed per sample, see {@link #computeOutputShapes}). Keras' mask (a model's, or
 * {@link #callAll(java.util.List, kdnn.Tensor)}) keeps the state over masked steps. Dropout and
 * recurrent dropout are training-only. Activations oneDNN's cells do not compute (Keras 2's LSTM
 * default {@code recurrent_activation="hard_sigmoid"}, a linear SimpleRNN) run as Keras' formulas
 * step by step ({@link RecurrentSteps}: the products on oneDNN, the gates in Java). What neither can
 * compute is refused by name: {@code stateful} (state kept between calls), {@code time_major}, and
 * other activations.
 */
public abstract sealed class BaseRecurrent extends Layer permits SimpleRNN, LSTM, GRU {
    final int units;
    final RecurrentArguments args;
    private final Recurrences.Cell cell;
    private final RecurrentSteps.Kind kind;
    private final Activation activation;
    private final String gateName; // Keras' recurrent_activation (null for SimpleRNN)
    private final Activation gate;
    private String cellName; // Keras' RNN(cell) form: the cell's name; null for the layer itself

    BaseRecurrent(RecurrentArguments a, Recurrences.Cell cell, RecurrentSteps.Kind kind, String gateName) {
        super(a.name, a.batchInputShape, a.trainable);
        this.units = a.units;
        this.args = a;
        this.cell = cell;
        this.kind = kind;
        this.activation = Activation.parse(a.activation);
        this.gateName = gateName;
        this.gate = gateName == null ? null : Activation.parse(gateName);
    }

    /**
     * Keras' {@code RNN} layer over this layer's cell ({@code RNN(LSTMCell(4))}): the same
     * computation, saved in that form with the cell named {@code cellName}. Set once, as the
     * layer is read.
     */
    final BaseRecurrent asRnnOf(String cellName) {
        this.cellName = cellName;
        return this;
    }

    /** True for Keras' {@code RNN(cell)} form of this layer. */
    final boolean rnnForm() {
        return cellName != null;
    }

    /** The cell's name: Keras' default ({@code lstm_cell}) or, in the RNN form, the one read. */
    public final String cellName() {
        ensureOpen();
        return cellName != null ? cellName : cellClass().equals("SimpleRNNCell") ? "simple_rnn_cell"
                : cellClass().equals("GRUCell") ? "gru_cell" : "lstm_cell";
    }

    /** {@code RNN} in the RNN(cell) form, else the layer's own class. */
    @Override
    public final String className() {
        return cellName != null ? RNN.CLASS_NAME : layerClassName();
    }

    /** The layer's own Keras class ({@code LSTM}). */
    abstract String layerClassName();

    /** Keras' class of this layer's cell ({@code LSTMCell}). */
    abstract String cellClass();

    /** True when oneDNN's cell computes these activations (else the Java steps do). */
    final boolean onDnnl() {
        return gate == null ? activation == Activation.TANH || activation == Activation.RELU
                || activation == Activation.SIGMOID : activation == Activation.TANH && gate == Activation.SIGMOID;
    }

    /** A gated cell's {@code recurrent_activation} (Keras' default sigmoid), both activations checked. */
    static String gateActivation(ConfigReader r, RecurrentArguments a, String className) {
        String gate = RecurrentArguments.activationName(r, "recurrent_activation", "sigmoid");
        checkActivations(className, a.activation, Activation.parse(a.activation), gate, Activation.parse(gate));
        return gate;
    }

    /** Refuses activations neither oneDNN's cell nor the Java steps compute. */
    static void checkActivations(String className, String activation, Activation act, String gateName, Activation gate) {
        if (!RecurrentSteps.supports(act)) {
            throw new IllegalArgumentException(className + " `activation` must be one of tanh, sigmoid, hard_sigmoid, relu"
                    + " or linear in kdnn. Received: activation=" + activation);
        }
        if (gate != null && !RecurrentSteps.supports(gate)) {
            throw new IllegalArgumentException(className + " `recurrent_activation` must be one of sigmoid, hard_sigmoid,"
                    + " tanh, relu or linear in kdnn. Received: recurrent_activation=" + gateName);
        }
    }

    /** Keras' {@code units}. */
    public final int units() {
        ensureOpen();
        return units;
    }

    /** Keras' {@code return_sequences}. */
    public final boolean returnSequences() {
        ensureOpen();
        return args.returnSequences;
    }

    /** Keras' {@code go_backwards}. */
    public final boolean goBackwards() {
        ensureOpen();
        return args.goBackwards;
    }

    /** The gates per unit of the kernels (1, 4 or 3). */
    final int gates() {
        return cell.gates();
    }

    /** The output, or with {@code return_state} the output and the states packed per sample ({@link #computeOutputShapes}). */
    @Override
    public final long[] computeOutputShape(long[] shape) {
        return args.returnState ? packed(computeOutputShapes(java.util.List.of(shape))) : kerasOutputShape(shape);
    }

    /** {@code (batch, the sum of each output's values per sample)}. */
    static long[] packed(java.util.List<long[]> outputs) {
        long batch = outputs.get(0)[0];
        long perSample = 0;
        for (long[] o : outputs) {
            long n = 1;
            for (int d = 1; d < o.length; d++) n *= o[d];
            perSample += n;
        }
        return new long[] {batch, perSample};
    }

    /** Keras' outputs: the output, then with {@code return_state} the last states (h, and LSTM's c), each {@code (batch, units)}. */
    @Override
    public final java.util.List<long[]> computeOutputShapes(java.util.List<long[]> inputShapes) {
        long[] in = inputShapes.get(0);
        checkInitialStates(this, inputShapes, states(), units);
        long[] out = kerasOutputShape(in);
        if (!args.returnState) return java.util.List.of(out);
        java.util.List<long[]> all = new java.util.ArrayList<>(java.util.List.of(out));
        for (int i = 0; i < states(); i++) all.add(new long[] {in[0], units});
        return all;
    }

    /**
     * Keras' call on the sequence alone or with its {@code initial_state} ({@code count} states,
     * each {@code (batch, units)}).
     */
    static void checkInitialStates(Layer layer, java.util.List<long[]> shapes, int count, int units) {
        if (shapes.size() != 1 && shapes.size() != 1 + count) {
            throw new IllegalArgumentException("Layer \"" + layer.name() + "\" (" + layer.className() + ") expects the"
                    + " sequence, or the sequence and its " + count + " initial states, but it received " + shapes.size()
                    + " input tensors");
        }
        long batch = shapes.get(0).length > 0 ? shapes.get(0)[0] : -1;
        for (int i = 1; i < shapes.size(); i++) {
            long[] s = shapes.get(i);
            boolean fits = s.length == 2 && s[1] == units && (s[0] == batch || s[0] < 0 || batch < 0);
            if (!fits) {
                throw new IllegalArgumentException("Layer \"" + layer.name() + "\" (" + layer.className() + "): an"
                        + " initial state must be (batch, " + units + "), got " + Shapes.format(s) + " for the input "
                        + Shapes.format(shapes.get(0)));
            }
        }
    }

    /** The initial states given after the sequence ({@code (batch, units)} each, h then c), or null without them. */
    static float[] initialStates(long[][] shapes, MemorySegment[] inputs) {
        if (shapes.length == 1) return null;
        int total = 0;
        for (int i = 1; i < shapes.length; i++) total += Math.toIntExact(Shapes.product(shapes[i]));
        float[] out = new float[total];
        int at = 0;
        for (int i = 1; i < shapes.length; i++) {
            int n = Math.toIntExact(Shapes.product(shapes[i]));
            MemorySegment.copy(inputs[i], ValueLayout.JAVA_FLOAT, 0, out, at, n);
            at += n;
        }
        return out;
    }

    /** Built for the sequence: initial states come after it. */
    @Override
    long[] buildShape(java.util.List<long[]> inputShapes) {
        return inputShapes.get(0);
    }

    /** The states a cell carries: h, and LSTM's c. */
    final int states() {
        return kind == RecurrentSteps.Kind.LSTM ? 2 : 1;
    }

    /** Keras' {@code return_state}. */
    public final boolean returnState() {
        ensureOpen();
        return args.returnState;
    }

    /** Keras' output: every step's state or the last one. */
    final long[] kerasOutputShape(long[] shape) {
        if (shape.length != 3) {
            throw incompatible(shape, "expected ndim=3, found ndim=" + shape.length);
        }
        if (shape[2] <= 0) {
            throw incompatible(shape, "the last axis (the features) must have a known length");
        }
        if (shape[1] == 0 || shape[1] < -1) {
            throw incompatible(shape, "every dimension but the batch must be positive");
        }
        long[] built = builtInputShape();
        if (built != null && built[2] != shape[2]) {
            throw incompatible(shape, "expected axis -1 of input shape to have value " + built[2]);
        }
        return args.returnSequences ? new long[] {shape[0], shape[1], units} : new long[] {shape[0], units};
    }

    @Override
    protected final void createWeights(long[] inputShape) {
        int features = Math.toIntExact(inputShape[2]);
        int g = gates();
        variables.add(new Variable("kernel", new int[] {features, g * units}, arena, args.kernelInitializer,
                args.kernelRegularizer, args.kernelConstraint));
        variables.add(new Variable("recurrent_kernel", new int[] {units, g * units}, arena, args.recurrentInitializer,
                args.recurrentRegularizer, args.recurrentConstraint));
        if (args.useBias) {
            variables.add(new Variable("bias", biasShape(), arena, biasInitializer(), args.biasRegularizer,
                    args.biasConstraint));
        }
    }

    /** The bias's shape in Keras. */
    int[] biasShape() {
        return new int[] {gates() * units};
    }

    /** The bias's initializer (LSTM's {@code unit_forget_bias} changes it). */
    Initializer biasInitializer() {
        return args.biasInitializer;
    }

    /** The bias as oneDNN takes it, {@code (cell biases, units)}, or null without one. */
    MemorySegment dnnlBias() {
        return args.useBias ? variables.get(2).data() : null;
    }

    @Override
    final long work(long[] inputShape) {
        long steps = Math.max(inputShape[1], 0);
        return Math.max(inputShape[0], 0) * steps * (inputShape[2] + units) * gates() * units;
    }

    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
        if (args.returnState && onDnnl()) {
            return Recurrences.withStates(cell, activationAlgorithm(), inputShape[0], inputShape[1], inputShape[2], units,
                    args.returnSequences, args.goBackwards, false, dnnlWeights());
        }
        if (args.returnState) {
            return Pipeline.builder().javaStep(Pipeline.INPUT, Pipeline.OUTPUT, (in, out) -> runWithStates(inputShape, in,
                    null, out, null)).build();
        }
        if (onDnnl()) {
            return Recurrences.forward(cell, activationAlgorithm(), inputShape[0], inputShape[1], inputShape[2], units,
                    args.returnSequences, args.goBackwards, dnnlWeights());
        }
        return Pipeline.builder().javaStep(Pipeline.INPUT, Pipeline.OUTPUT, steps(inputShape, args.goBackwards, false))
                .build();
    }

    /** The Java steps of this layer over inputs of this shape, in either direction (see {@link RecurrentSteps#run}). */
    final Pipeline.SlotTransfer steps(long[] inputShape, boolean backwards, boolean stepOrder) {
        return (in, out) -> runSteps(inputShape, in, null, out, backwards, stepOrder, false, null, null);
    }

    /** The Java steps ({@link RecurrentSteps#run}) with their products on oneDNN pipelines of this layer's cache. */
    final void runSteps(long[] inputShape, MemorySegment input, MemorySegment mask, MemorySegment output,
                        boolean backwards, boolean stepOrder, boolean zeroOutput, float[] initialStates,
                        float[] finalStates) {
        long batch = inputShape[0];
        long steps = inputShape[1];
        long features = inputShape[2];
        int width = gates() * units;
        MemorySegment bias = args.useBias ? variables.get(2).data() : null;
        long widthBytes = (long) width * Float.BYTES;
        // GRU reset-after: the bias is (2, 3 * units), the input's row first, then the recurrent one's
        MemorySegment inputBias = bias == null ? null : bias.asSlice(0, widthBytes);
        MemorySegment recurrentBias = bias != null && kind == RecurrentSteps.Kind.GRU_RESET_AFTER
                ? bias.asSlice(widthBytes, widthBytes) : null;
        long rows = batch * steps;
        PipelineCache.Lease inputs = pipelines.acquire(new long[] {INPUT_PRODUCT, rows, features},
                threads(rows * features * width < SMALL_WORK), k -> InnerProducts.dense(k[1], k[2], width,
                        variables.get(0).data(), inputBias, java.util.List.of(), kdnn.runtime.Convolutions.Tail.NONE, false));
        try {
            PipelineCache.Lease recurrent = pipelines.acquire(new long[] {RECURRENT_PRODUCT, batch},
                    threads(batch * units * width < SMALL_WORK), k -> InnerProducts.dense(k[1], units, width,
                            variables.get(1).data(), recurrentBias, java.util.List.of(), kdnn.runtime.Convolutions.Tail.NONE, false));
            try {
                RecurrentSteps.Products products = new RecurrentSteps.Products() {
                    @Override
                    public void inputs(MemorySegment x, MemorySegment xw) {
                        inputs.pipeline().execute(x, xw);
                    }

                    @Override
                    public void recurrent(MemorySegment h, MemorySegment hr) {
                        recurrent.pipeline().execute(h, hr);
                    }
                };
                RecurrentSteps.run(kind, activation, gate, batch, steps, Math.toIntExact(features), units, products,
                        args.returnSequences, backwards, stepOrder, input, output, mask, zeroOutput, initialStates,
                        finalStates);
            } finally {
                recurrent.release();
            }
        } finally {
            inputs.release();
        }
    }

    /** Mark the pipeline-cache keys of the Java steps' products (a shape has no negative dims). */
    private static final long INPUT_PRODUCT = -3;
    private static final long RECURRENT_PRODUCT = -4;

    /**
     * The layer over an input with Keras' mask {@code (batch, steps)} (null: none): a masked step keeps the
     * state and outputs it (or zeros under {@code zeroOutput}, Keras' {@code zero_output_for_mask}).
     * oneDNN's cells take no mask, so each sample's unmasked steps are packed together and run as
     * one primitive over the batch ({@link #runPacked}); cells oneDNN lacks run in Java.
     * {@code stepOrder}: a backward sequence with each state at its step (what Bidirectional merges).
     */
    final void runMasked(long[] inputShape, MemorySegment input, MemorySegment mask, MemorySegment output,
                         boolean backwards, boolean stepOrder, boolean zeroOutput) {
        boolean dnnl = onDnnl() && dnnlExact(inputShape, input);
        if (mask == null && dnnl) {
            // no mask: the primitive of one direction
            long[] key = {DIRECTION, inputShape[0], inputShape[1], inputShape[2], backwards ? 1 : 0, stepOrder ? 1 : 0};
            long work = inputShape[0] * inputShape[1] * (inputShape[2] + units) * gates() * units;
            PipelineCache.Lease lease = pipelines.acquire(key, threads(work < SMALL_WORK), k -> Recurrences.direction(
                    cell, activationAlgorithm(), k[1], k[2], k[3], units, args.returnSequences, k[4] == 1, k[5] == 0,
                    dnnlWeights()));
            try {
                lease.pipeline().execute(input, output);
            } finally {
                lease.release();
            }
            return;
        }
        if (dnnl) {
            runPacked(inputShape, input, mask, output, backwards, stepOrder, zeroOutput);
            return;
        }
        runSteps(inputShape, input, mask, output, backwards, stepOrder, zeroOutput, null, null);
    }

    /** Marks the pipeline-cache keys of packed runs and of one direction's (a shape has no negative dims). */
    private static final long PACKED = -2;
    private static final long DIRECTION = -5;

    /**
     * Each sample's unmasked steps packed in order, from the first position when running forward
     * and ending at the last when running backward, so the primitive meets them before the filler
     * (zeros) and every sequence state up to a sample's count is its state after that many of its
     * steps. One primitive of every step's state over the batch; each step's output is then the
     * state after the sample's steps so far.
     */
    private void runPacked(long[] inputShape, MemorySegment input, MemorySegment mask, MemorySegment output,
                           boolean backwards, boolean stepOrder, boolean zeroOutput) {
        long batch = inputShape[0];
        long steps = inputShape[1];
        long features = inputShape[2];
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        long[] counts = new long[Math.toIntExact(batch)];
        long longest = 0;
        for (int n = 0; n < batch; n++) {
            for (long t = 0; t < steps; t++) if (mask.getAtIndex(f, n * steps + t) != 0) counts[n]++;
            longest = Math.max(longest, counts[n]);
        }
        long rowBytes = features * Float.BYTES;
        long stateBytes = (long) units * Float.BYTES;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment states = MemorySegment.NULL;
            if (longest > 0) {
                MemorySegment packed = arena.allocate(batch * longest * rowBytes, 64); // zeros: the filler
                for (int n = 0; n < batch; n++) {
                    long at = n * longest + (backwards ? longest - counts[n] : 0);
                    for (long t = 0; t < steps; t++) {
                        if (mask.getAtIndex(f, n * steps + t) == 0) continue;
                        MemorySegment.copy(input, (n * steps + t) * rowBytes, packed, at++ * rowBytes, rowBytes);
                    }
                }
                states = arena.allocate(batch * longest * stateBytes, 64);
                long[] key = {PACKED, batch, longest, features, backwards ? 1 : 0};
                long work = batch * longest * (features + units) * gates() * units;
                PipelineCache.Lease lease = pipelines.acquire(key, threads(work < SMALL_WORK), k ->
                        Recurrences.forward(cell, activationAlgorithm(), k[1], k[2], k[3], units, true, k[4] == 1,
                                dnnlWeights()));
                try {
                    lease.pipeline().execute(packed, states);
                } finally {
                    lease.release();
                }
            }
            // the states come in the order computed: sample n's k-th state follows its k-th unmasked step
            for (int n = 0; n < batch; n++) {
                long done = 0;
                long lastAt = -1; // where the output of the latest step lies (-1: zeros)
                for (long s = 0; s < steps; s++) {
                    long t = backwards ? steps - 1 - s : s;
                    boolean kept = mask.getAtIndex(f, n * steps + t) != 0;
                    if (kept) done++;
                    lastAt = !kept && zeroOutput || done == 0 ? -1 : (n * longest + done - 1) * stateBytes;
                    if (!args.returnSequences) continue;
                    long to = (n * steps + (stepOrder ? t : s)) * stateBytes;
                    if (lastAt < 0) output.asSlice(to, stateBytes).fill((byte) 0);
                    else MemorySegment.copy(states, lastAt, output, to, stateBytes);
                }
                if (args.returnSequences) continue;
                long to = n * stateBytes;
                if (lastAt < 0) output.asSlice(to, stateBytes).fill((byte) 0);
                else MemorySegment.copy(states, lastAt, output, to, stateBytes);
            }
        }
    }

    /**
     * {@code return_state}: the output and the last states packed per sample. The Java steps give
     * the states (oneDNN's primitive gives no state of a masked sample's last real step).
     */
    private void runWithStates(long[] inputShape, MemorySegment input, MemorySegment mask, MemorySegment packed,
                               float[] initial) {
        java.util.List<long[]> shapes = computeOutputShapes(java.util.List.of(inputShape));
        long batch = inputShape[0];
        float[] states = new float[Math.toIntExact(batch * units * states())];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(Shapes.product(shapes.get(0)) * Float.BYTES, 64);
            runSteps(inputShape, input, mask, out, args.goBackwards, false, args.zeroOutputForMask, initial, states);
            java.util.List<MemorySegment> parts = new java.util.ArrayList<>(java.util.List.of(out));
            long stateBytes = batch * units * Float.BYTES;
            for (int i = 0; i < states(); i++) parts.add(MemorySegment.ofArray(states).asSlice(i * stateBytes, stateBytes));
            OutputPart.pack(shapes, parts, packed);
        }
    }

    /** Keras' RNN {@code compute_mask}: the sequences carry the input's mask on, the last output none. */
    @Override
    final kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return args.returnSequences ? kdnn.internal.MaskUse.READS_AND_PASSES : kdnn.internal.MaskUse.READS;
    }

    /** The sequence, or the sequence and its initial states: the output (packed with return_state). */
    @Override
    public final long[] computeOutputShape(java.util.List<long[]> inputShapes) {
        java.util.List<long[]> outs = computeOutputShapes(inputShapes);
        return outs.size() == 1 ? outs.get(0) : packed(outs);
    }

    /**
     * With initial states: the Java steps from them (oneDNN's primitives here start from zeros).
     * In keras mode a relu cell runs the Java steps from given states ({@link #kerasRelu}).
     */
    @Override
    final double runInputs(long[][] shapes, MemorySegment[] inputs, MemorySegment output, Variant variant,
                           double[] bounds) {
        if (shapes.length == 1) return super.runInputs(shapes, inputs, output, variant, bounds);
        long stamp = enter();
        try {
            checkOutput(output, computeOutputShape(java.util.Arrays.asList(shapes)));
            buildFor(shapes[0]);
            if (onDnnl() && !kerasRelu()) runFromStates(shapes, inputs, output);
            else run(shapes[0], inputs[0], null, output, initialStates(shapes, inputs));
            return Double.NaN;
        } finally {
            exitCall(stamp);
        }
    }

    /** Never safe without a look: {@link #restoreKerasExtremes} decides with the input's steps. */
    static final KerasExtremes RECURRENCE = new KerasExtremes(Activation.RELU, DataFormat.CHANNELS_LAST,
            Double.POSITIVE_INFINITY, 0);

    @Override
    final KerasExtremes kerasExtremes() {
        return kerasRelu() ? RECURRENCE : null;
    }

    /** After oneDNN's relu cell ran in keras mode: Keras' formulas again, over the output, where they may differ. */
    @Override
    final void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                                    Variant variant, int threads) {
        if (!dnnlExact(inputShape, input)) run(inputShape, input, null, output, null);
    }

    /** In keras mode, a relu cell on oneDNN's primitive, whose relu gives 0 for NaN where Keras' gives NaN. */
    final boolean kerasRelu() {
        return activation == Activation.RELU && onDnnl() && ExtremeValues.mode() == ExtremeValues.KERAS;
    }

    /**
     * False where oneDNN's cell may depart from Keras on this input ({@link #kerasRelu}): unless a
     * scan of the input bounds every state far below float32's end through all its steps (so no
     * NaN or infinity can arise), the Java steps, Keras' formulas, run instead.
     */
    final boolean dnnlExact(long[] inputShape, MemorySegment input) {
        if (!kerasRelu()) return true;
        double x = kdnn.runtime.MagnitudeScan.maxMagnitudeOnCaller(input.asSlice(0, Shapes.product(inputShape) * Float.BYTES));
        double[] g = reluGains();
        double state = 0;
        for (long t = 0; t < inputShape[1]; t++) {
            // |pre-activation| <= |x| * input gain + |bias| + |h| * recurrent gain, widened for rounding
            state = (x * g[0] + g[2] + state * g[1]) * (1 + 0x1p-5);
            if (!(state < KerasExtremes.LIMIT)) return false;
        }
        return true;
    }

    // the largest column sums of |kernel| and |recurrent kernel| and the largest |bias| (null: to compute)
    private volatile double[] reluGains;

    private double[] reluGains() {
        double[] g = reluGains;
        if (g == null) {
            g = new double[] {largestColumnSum(variables.get(0)), largestColumnSum(variables.get(1)),
                args.useBias ? largestMagnitude(variables.get(2)) : 0};
            reluGains = g;
        }
        return g;
    }

    private static double largestColumnSum(Variable v) {
        int columns = v.shape[v.shape.length - 1];
        long rows = Shapes.product(java.util.Arrays.stream(v.shape).asLongStream().toArray()) / columns;
        double[] sums = new double[columns];
        MemorySegment d = v.data();
        for (long r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) sums[c] += Math.abs(d.getAtIndex(ValueLayout.JAVA_FLOAT, r * columns + c));
        }
        double m = 0;
        for (double s : sums) m = Double.isNaN(s) ? Double.NaN : Math.max(m, s);
        return m;
    }

    private static double largestMagnitude(Variable v) {
        double m = 0;
        MemorySegment d = v.data();
        long n = d.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            float f = Math.abs(d.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            m = Float.isNaN(f) ? Double.NaN : Math.max(m, f);
        }
        return m;
    }

    @Override
    void weightsChanged() {
        reluGains = null;
    }

    /** Marks the pipeline-cache keys of a run from given states (a shape has no negative dims). */
    private static final long FROM_STATES = -6;

    /**
     * On oneDNN's cell from the initial states given after the sequence (the primitive's first
     * states), the last states kept for return_state: one primitive, no mask.
     */
    private void runFromStates(long[][] shapes, MemorySegment[] inputs, MemorySegment output) {
        long[] in = shapes[0];
        long[] key = {FROM_STATES, in[0], in[1], in[2]};
        long work = in[0] * in[1] * (in[2] + units) * gates() * units;
        PipelineCache.Lease lease = pipelines.acquire(key, threads(work < SMALL_WORK), k -> Recurrences.withStates(cell,
                activationAlgorithm(), k[1], k[2], k[3], units, args.returnSequences, args.goBackwards, true, dnnlWeights()));
        try {
            if (args.returnState) {
                lease.pipeline().execute(inputs, output);
                return;
            }
            // the output alone: the states packed after it are left out
            java.util.List<long[]> all = new java.util.ArrayList<>(java.util.List.of(kerasOutputShape(in)));
            for (int i = 0; i < states(); i++) all.add(new long[] {in[0], units});
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment packedOut = arena.allocate(Shapes.product(packed(all)) * Float.BYTES, 64);
                lease.pipeline().execute(inputs, packedOut);
                java.util.List<MemorySegment> parts = new java.util.ArrayList<>(java.util.List.of(output));
                for (int i = 0; i < states(); i++) parts.add(arena.allocate(in[0] * units * Float.BYTES, 64));
                OutputPart.split(all, packedOut, parts);
            }
        } finally {
            lease.release();
        }
    }

    /** Marks the pipeline-cache keys of one direction's run with states (a shape has no negative dims). */
    private static final long DIRECTION_STATES = -7;

    /**
     * One direction of a Bidirectional on oneDNN's cell, no mask: from {@code first} (h then LSTM's
     * c, {@code (batch, units)} each; null: zeros) into {@code out} (a backward sequence in step
     * order) and {@code last} (the last states, in the same layout).
     */
    final void runDirection(long[] in, MemorySegment input, float[] first, boolean backwards, MemorySegment out,
                            float[] last) {
        long[] key = {DIRECTION_STATES, in[0], in[1], in[2], backwards ? 1 : 0, first != null ? 1 : 0};
        long work = in[0] * in[1] * (in[2] + units) * gates() * units;
        PipelineCache.Lease lease = pipelines.acquire(key, threads(work < SMALL_WORK), k -> Recurrences.withStates(cell,
                activationAlgorithm(), k[1], k[2], k[3], units, args.returnSequences, k[4] == 1, false, k[5] == 1,
                dnnlWeights()));
        try (Arena arena = Arena.ofConfined()) {
            long stateBytes = in[0] * units * Float.BYTES;
            MemorySegment[] inputs = new MemorySegment[first == null ? 1 : 1 + states()];
            inputs[0] = input;
            for (int i = 1; i < inputs.length; i++) {
                inputs[i] = arena.allocate(stateBytes, 64);
                MemorySegment.copy(first, (int) ((i - 1) * in[0] * units), inputs[i], ValueLayout.JAVA_FLOAT, 0,
                        (int) (in[0] * units));
            }
            java.util.List<long[]> shapes = new java.util.ArrayList<>(java.util.List.of(kerasOutputShape(in)));
            for (int i = 0; i < states(); i++) shapes.add(new long[] {in[0], units});
            MemorySegment packedOut = arena.allocate(Shapes.product(packed(shapes)) * Float.BYTES, 64);
            lease.pipeline().execute(inputs, packedOut);
            java.util.List<MemorySegment> parts = new java.util.ArrayList<>(java.util.List.of(out));
            for (int i = 0; i < states(); i++) parts.add(arena.allocate(stateBytes, 64));
            OutputPart.split(shapes, packedOut, parts);
            for (int i = 0; i < states(); i++) {
                MemorySegment.copy(parts.get(1 + i), ValueLayout.JAVA_FLOAT, 0, last, (int) (i * in[0] * units),
                        (int) (in[0] * units));
            }
        } finally {
            lease.release();
        }
    }

    /** One call: with a mask (or null) and initial states (or null), into the output (packed with return_state). */
    private void run(long[] in, MemorySegment input, MemorySegment mask, MemorySegment output, float[] initial) {
        if (args.returnState) runWithStates(in, input, mask, output, initial);
        else if (initial != null) runSteps(in, input, mask, output, args.goBackwards, false, args.zeroOutputForMask, initial, null);
        else runMasked(in, input, mask, output, args.goBackwards, false, args.zeroOutputForMask);
    }

    /** Checks Keras' mask {@code (batch, steps)} against the sequence {@code (batch, steps, ...)} it masks. */
    static void checkMask(Layer layer, long[] in, long[] mask) {
        boolean fits = in.length >= 2 && mask.length == 2 && (mask[0] == in[0] || mask[0] < 0 || in[0] < 0)
                && (mask[1] == in[1] || mask[1] < 0 || in[1] < 0);
        if (!fits) {
            throw new IllegalArgumentException("Layer \"" + layer.name() + "\" (" + layer.className() + "): the mask"
                    + " must be (batch, timesteps) of the input " + Shapes.format(in) + ", got " + Shapes.format(mask));
        }
    }

    @Override
    final java.util.List<long[]> maskedOutputShapes(java.util.List<long[]> inputs, long[] mask) {
        checkMask(this, inputs.get(0), mask);
        return computeOutputShapes(inputs);
    }

    @Override
    final double runMaskedInputs(long[][] shapes, MemorySegment[] inputs, long[] maskShape, MemorySegment mask,
                                 MemorySegment output, double[] bounds) {
        long stamp = enter();
        try {
            maskedOutputShapes(java.util.Arrays.asList(shapes), maskShape);
            buildFor(shapes[0]);
            run(shapes[0], inputs[0], mask, output, initialStates(shapes, inputs));
            return shapes.length == 1 ? outputBound(bounds[0]) : Double.NaN;
        } finally {
            exitCall(stamp);
        }
    }

    /** The cell oneDNN computes. */
    final Recurrences.Cell cell() {
        return cell;
    }

    /** The weights as oneDNN reads them. */
    final Recurrences.Weights dnnlWeights() {
        return new Recurrences.Weights(variables.get(0).data(), variables.get(1).data(), dnnlBias());
    }

    /** The RNN cell's activation as oneDNN names it (SimpleRNN only). */
    int activationAlgorithm() {
        return 0;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("units", units);
        c.put("activation", args.activation);
        if (gateName != null) c.put("recurrent_activation", gateName);
        c.put("use_bias", args.useBias);
        c.set("kernel_initializer", args.kernelInitializer.toConfig());
        c.set("recurrent_initializer", args.recurrentInitializer.toConfig());
        c.set("bias_initializer", args.biasInitializer.toConfig());
        writeBiasArguments(c);
        c.set("kernel_regularizer", config(args.kernelRegularizer == null ? null : args.kernelRegularizer.toConfig()));
        c.set("recurrent_regularizer", config(args.recurrentRegularizer == null ? null
                : args.recurrentRegularizer.toConfig()));
        c.set("bias_regularizer", config(args.biasRegularizer == null ? null : args.biasRegularizer.toConfig()));
        c.set("activity_regularizer", config(args.activityRegularizer == null ? null
                : args.activityRegularizer.toConfig()));
        c.set("kernel_constraint", config(args.kernelConstraint == null ? null : args.kernelConstraint.toConfig()));
        c.set("recurrent_constraint", config(args.recurrentConstraint == null ? null
                : args.recurrentConstraint.toConfig()));
        c.set("bias_constraint", config(args.biasConstraint == null ? null : args.biasConstraint.toConfig()));
        c.put("dropout", args.dropout);
        c.put("recurrent_dropout", args.recurrentDropout);
        c.put("return_sequences", args.returnSequences);
        c.put("return_state", args.returnState);
        c.put("go_backwards", args.goBackwards);
        c.put("stateful", false);
        c.put("unroll", args.unroll);
        if (args.zeroOutputForMask) c.put("zero_output_for_mask", true);
        if (args.implementation != null) c.put("implementation", args.implementation);
        writeCellArguments(c);
        return cellName == null ? c : RNN.rnnConfig(c, cellObject(c));
    }

    /** The layer's arguments as Keras' cell object {@code {"class_name": "LSTMCell", "config"}}. */
    final ObjectNode cellObject() {
        ObjectNode c = getConfig();
        return cellName == null ? cellObject(c) : (ObjectNode) c.get("cell");
    }

    private ObjectNode cellObject(ObjectNode layerConfig) {
        ObjectNode cell = RNN.serialized(cellClass());
        ObjectNode cc = (ObjectNode) cell.get("config");
        cc.put("name", cellName());
        cc.put("trainable", layerConfig.path("trainable").asBoolean(true));
        cc.put("dtype", "float32");
        layerConfig.properties().forEach(e -> {
            if (!RNN.LAYER_KEYS.contains(e.getKey())) cc.set(e.getKey(), e.getValue());
        });
        return cell;
    }

    /** A cell's own arguments, last (GRU's reset_after). */
    void writeCellArguments(ObjectNode c) {
    }

    /** The bias's own arguments after {@code bias_initializer} (unit_forget_bias). */
    void writeBiasArguments(ObjectNode c) {
    }

    /** The arguments Keras 2's CuDNNLSTM and CuDNNGRU do not take: their cells are fixed. */
    static final java.util.List<String> NOT_CUDNN = java.util.List.of("activation", "recurrent_activation", "use_bias",
            "dropout", "recurrent_dropout", "unroll", "implementation", "zero_output_for_mask", "reset_after");

    private static JsonNode config(JsonNode n) {
        return n == null ? JsonNodeFactory.instance.nullNode() : n;
    }

    /** The arguments every recurrent layer shares, read from a config with Keras' defaults. */
    static final class RecurrentArguments {
        String name;
        long[] batchInputShape;
        boolean trainable = true;
        int units;
        String activation = "tanh";
        boolean useBias = true;
        Initializer kernelInitializer = Initializers.get(TextNode.valueOf("glorot_uniform"));
        Initializer recurrentInitializer = Initializers.get(TextNode.valueOf("orthogonal"));
        Initializer biasInitializer = Initializers.get(TextNode.valueOf("zeros"));
        Regularizer kernelRegularizer;
        Regularizer recurrentRegularizer;
        Regularizer biasRegularizer;
        Regularizer activityRegularizer;
        Constraint kernelConstraint;
        Constraint recurrentConstraint;
        Constraint biasConstraint;
        double dropout;
        double recurrentDropout;
        boolean returnSequences;
        boolean goBackwards;
        boolean unroll;
        Integer implementation;
        boolean zeroOutputForMask;
        boolean returnState;

        /** Reads the shared arguments; the caller reads its own, then finishes the reader. */
        static RecurrentArguments read(ConfigReader r, String className) {
            RecurrentArguments a = new RecurrentArguments();
            a.name = r.string("name", null);
            if (a.name == null) a.name = LayerNames.next(className);
            a.trainable = r.bool("trainable", true);
            a.batchInputShape = r.batchInputShape();
            JsonNode u = r.node("units");
            if (u.isNull()) throw new IllegalArgumentException(className + " needs the argument `units`");
            a.units = ConfigReader.toInt("units", u);
            if (a.units <= 0) {
                throw new IllegalArgumentException("Received an invalid value for argument `units`, expected a positive"
                        + " integer, got " + a.units + ".");
            }
            a.activation = activationName(r, "activation", "tanh");
            a.useBias = r.bool("use_bias", true);
            a.kernelInitializer = r.initializer("kernel_initializer", "glorot_uniform");
            a.recurrentInitializer = r.initializer("recurrent_initializer", "orthogonal");
            a.biasInitializer = r.initializer("bias_initializer", "zeros");
            a.kernelRegularizer = r.regularizer("kernel_regularizer");
            a.recurrentRegularizer = r.regularizer("recurrent_regularizer");
            a.biasRegularizer = r.regularizer("bias_regularizer");
            a.activityRegularizer = r.regularizer("activity_regularizer");
            a.kernelConstraint = r.constraint("kernel_constraint");
            a.recurrentConstraint = r.constraint("recurrent_constraint");
            a.biasConstraint = r.constraint("bias_constraint");
            a.dropout = rate(r, "dropout");
            a.recurrentDropout = rate(r, "recurrent_dropout");
            a.returnSequences = r.bool("return_sequences", false);
            a.goBackwards = r.bool("go_backwards", false);
            a.unroll = r.bool("unroll", false); // how Keras builds the loop, not what it computes
            a.returnState = r.bool("return_state", false);
            refuse(r, className, "stateful", "its state carries over from one call to the next");
            refuse(r, className, "time_major", "kdnn reads (batch, timesteps, features)");
            // outputs of masked steps: without a mask (kdnn computes none) every step is computed
            a.zeroOutputForMask = r.bool("zero_output_for_mask", false);
            JsonNode impl = r.node("implementation");
            if (!impl.isNull()) a.implementation = ConfigReader.toInt("implementation", impl); // 1 or 2: same values
            r.node("seed"); // Keras 3: the dropout masks' seed, training only
            r.node("use_cudnn"); // Keras 3: which kernel, not what it computes
            return a;
        }

        private static void refuse(ConfigReader r, String className, String key, String why) {
            if (r.bool(key, false)) {
                throw new IllegalArgumentException(className + " `" + key + "=True` is not supported by kdnn: " + why
                        + ". Received: " + key + "=true");
            }
        }

        private static double rate(ConfigReader r, String key) {
            JsonNode n = r.node(key);
            if (n.isNull()) return 0;
            if (!n.isNumber() || !(n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
                throw ConfigReader.bad(key, n, "a rate between 0 and 1");
            }
            return n.doubleValue();
        }

        /** An activation argument's Keras name (a string, or Keras 3's serialized function). */
        static String activationName(ConfigReader r, String key, String fallback) {
            JsonNode n = r.node(key);
            if (n.isNull()) return fallback;
            String name = n.isTextual() ? n.asText() : n.path("config").isTextual() ? n.path("config").asText()
                    : n.path("class_name").asText(n.toString());
            Activation.parse(name); // refuses an unknown name as Keras does
            return name;
        }


    }
}
