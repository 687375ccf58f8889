package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.StampedLock;
import kdnn.Tensor;

/**
 * A Keras layer run by oneDNN. Layers are built for an input shape (their weights then exist),
 * called on {@link Tensor}s, and closed. One layer may be called from many threads at once;
 * {@link #close()} waits for calls in flight and every method afterwards throws
 * {@link IllegalStateException}.
 */
public abstract class Layer implements AutoCloseable {
    private final String name;
    private final StampedLock lifecycle = new StampedLock();
    private volatile boolean closed;
    private boolean released; // guarded by the write lock: the native state is freed once
    private volatile long[] builtShape;
    private final long[] declaredInputShape;
    /** Weights and other per-layer native memory; lives as long as the layer. */
    final Arena arena;
    final PipelineCache pipelines;
    private final java.lang.ref.Cleaner.Cleanable cleanable;

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();
    private static final kdnn.internal.TensorBridge HOLDS = kdnn.internal.TensorBridge.get();

    static {
        kdnn.internal.LayerBridge.install(new Bridge());
    }

    /** The planner's view of a layer (see {@link kdnn.internal.LayerBridge}). */
    private static final class Bridge extends kdnn.internal.LayerBridge {
        @Override
        public double run(Layer layer, long[][] inputShapes, MemorySegment[] inputs, MemorySegment output,
                          kdnn.internal.RunVariant variant, double[] inputBounds) {
            return layer.runInputs(inputShapes, inputs, output, (Variant) variant, inputBounds);
        }

        @Override
        public kdnn.internal.LeaseCache.Lease<?, kdnn.runtime.Pipeline> pipelineOfRun(Layer layer, long[][] inputShapes,
                                                                                   kdnn.internal.RunVariant variant) {
            return layer.pipelineOfRun(inputShapes, (Variant) variant);
        }

        @Override
        public long enterCall(Layer layer) {
            return layer.enter();
        }

        @Override
        public void exitCall(Layer layer, long stamp) {
            layer.exitCall(stamp);
        }

        @Override
        public kdnn.internal.RunVariant variant(int[][] inputPadding, boolean channelsLastInput,
                                                boolean channelsLastOutput, boolean sumIntoOutput, float summandScale,
                                                Activation afterSum, long outputChannelStride, boolean bf16Input,
                                                boolean bf16Output) {
            Variant v = new Variant(inputPadding, channelsLastInput, channelsLastOutput);
            if (sumIntoOutput) v = v.summingInto(afterSum, summandScale);
            else if (afterSum != null) v = v.followedBy(afterSum);
            if (outputChannelStride > 0) v = v.writingChannelsOf(outputChannelStride);
            if (bf16Input || bf16Output) v = v.storingBf16(bf16Input, bf16Output);
            return v.isPlain() ? Variant.PLAIN : v;
        }

        @Override
        public boolean storesBf16(Layer layer, long[] inputShape) {
            return layer.storesBf16(inputShape);
        }

        @Override
        public List<kdnn.runtime.Attributes.Eltwise> postOps(Activation activation) {
            return activation.postOps();
        }

        @Override
        public boolean onlyPostOps(Activation activation) {
            return activation.onlyPostOps();
        }

        @Override
        public boolean optimized(Layer layer, long[] inputShape, kdnn.internal.RunVariant variant) {
            // "convolution_forward:ref:any", and a deconvolution over a reference kernel: "conv:any+ref:any"
            return layer.implementations(inputShape, (Variant) variant).stream()
                    .noneMatch(i -> i.matches(".*[:+]ref(:.*|$)"));
        }

        @Override
        public boolean mixesSamples(Layer layer, List<long[]> inputShapes) {
            return layer.mixesSamples(inputShapes);
        }

        @Override
        public boolean elementwise(Layer layer) {
            return layer.elementwise();
        }

        @Override
        public boolean identityAtInference(Layer layer) {
            return layer.identityAtInference();
        }

        @Override
        public DataFormat variantFormat(Layer layer) {
            return layer.variantFormat();
        }

        @Override
        public boolean mergeAcceptsChannelsLast(Layer layer, List<long[]> inputShapes) {
            return layer instanceof Merge m && m.acceptsChannelsLast(inputShapes);
        }

        @Override
        public boolean acceptsSum(Layer layer) {
            return layer.acceptsSum();
        }

        @Override
        public Layer hardSwishOps(String name) {
            return HardSwishOps.named(name);
        }

        @Override
        public Layer hardSigmoidOps(String name, float factor, boolean plusZero) {
            return HardSigmoidOps.named(name, factor, plusZero);
        }

        @Override
        public double outputBound(Layer layer, double inputBound) {
            return layer.outputBound(inputBound);
        }

        @Override
        public double extremesLimit() {
            return KerasExtremes.LIMIT;
        }

        @Override
        public boolean acceptsInputPadding(Layer layer, int[][] padding, DataFormat format, long[] paddedShape) {
            return layer.acceptsInputPadding(padding, format, paddedShape);
        }

        @Override
        public long weightsVersion(Layer layer) {
            return layer.weightsVersion();
        }

        @Override
        public <R> R withWeightsInPlace(Layer layer, java.util.function.Function<List<Weight>, R> use) {
            return layer.withWeightsInPlace(use);
        }

        @Override
        public long anyWeightsVersion() {
            return ANY_WEIGHTS_VERSION.get();
        }

        @Override
        public KerasVersion rules(Layer layer) {
            return layer.rules;
        }

        @Override
        public kdnn.internal.MaskUse maskUse(Layer layer, boolean[] inputMasked) {
            return layer.maskUse(inputMasked);
        }

        @Override
        public int outputsCarryingMask(Layer layer) {
            return layer.outputsCarryingMask();
        }

        @Override
        public long[] buildShape(Layer layer, List<long[]> inputShapes) {
            return layer.buildShape(inputShapes);
        }

        @Override
        public Layer maskedEachCall(Layer layer, boolean[] masked) {
            StringBuilder key = new StringBuilder("masked-each-");
            for (boolean m : masked) key.append(m ? '1' : '0');
            return layer.hidden(key.toString(), () -> new MaskedEachCall(layer, masked));
        }

        @Override
        public Layer maskedCall(Layer layer) {
            return layer.hidden("masked", () -> new MaskedCall(layer));
        }

        @Override
        public Layer outputPart(Layer layer, int index) {
            return layer.hidden("output " + index, () -> OutputPart.of(layer, index));
        }
    }

    /** What a forgotten layer's cleaner frees; holds nothing that reaches the layer. */
    private record NativeState(Arena arena, PipelineCache pipelines) implements Runnable {
        @Override
        public void run() {
            try {
                pipelines.close();
            } finally {
                arena.close();
            }
        }
    }
    // written once by build (under the layer lock), read by calls on any thread
    final List<Variable> variables = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final boolean trainable;
    // whose rules the layer follows where Keras 2 and 3 differ: those of the config it was read from
    private final KerasVersion rules = Layers.readingVersion();

    /**
     * A layer, unbuilt (subclasses in this package only).
     * @param declaredInputShape Keras' {@code batch_input_shape} (with the batch axis), or null
     */
    @SuppressWarnings("this-escape") // the cleaner only keeps the layer's native state, never the layer
    protected Layer(String name, long[] declaredInputShape, boolean trainable) {
        this.name = name;
        this.trainable = trainable;
        this.declaredInputShape = declaredInputShape == null ? null : declaredInputShape.clone();
        this.arena = Arena.ofShared();
        this.pipelines = new PipelineCache();
        this.cleanable = CLEANER.register(this, new NativeState(arena, pipelines));
    }

    /** The layer's name (Keras' {@code name}). */
    public final String name() {
        return name;
    }

    /** The Keras class name, e.g. {@code Conv2D}. */
    public abstract String className();

    /**
     * The output shape for an input shape (batch first; a batch of -1 means unknown), or an
     * {@link IllegalArgumentException} saying why the input does not fit.
     */
    public abstract long[] computeOutputShape(long[] inputShape);

    /**
     * The output shape for several input shapes, in call order: a merge layer's rule; for any
     * other layer exactly one input, as {@link #computeOutputShape(long[])}.
     */
    public long[] computeOutputShape(List<long[]> inputShapes) {
        if (inputShapes.size() != 1) {
            throw new IllegalArgumentException("Layer \"" + name + "\" (" + className() + ") expects 1 input, but it"
                    + " received " + inputShapes.size() + " input tensors");
        }
        return computeOutputShape(inputShapes.get(0));
    }

    /**
     * Keras' output shapes for these inputs, one per output: several for a layer that returns
     * several tensors (a recurrent layer's {@code return_state}), whose {@link #computeOutputShape}
     * is then the shape of all of them packed per sample, {@code (batch, sum of their sizes)}.
     */
    public List<long[]> computeOutputShapes(List<long[]> inputShapes) {
        return List.of(computeOutputShape(inputShapes));
    }

    /** Connects this layer to symbolic inputs, as calling a Keras layer on Keras tensors does. */
    public final kdnn.model.KerasTensor apply(kdnn.model.KerasTensor... inputs) {
        ensureOpen();
        return kdnn.model.KerasTensor.applied(this, List.of(inputs));
    }

    /** Connects this layer to symbolic inputs: all its outputs (one, or several for {@code return_state}). */
    public final List<kdnn.model.KerasTensor> applyAll(kdnn.model.KerasTensor... inputs) {
        ensureOpen();
        return kdnn.model.KerasTensor.appliedAll(this, List.of(inputs));
    }

    /**
     * Runs the layer on its inputs and returns all its outputs, new tensors the caller owns: one,
     * or several for a layer that returns several (a recurrent layer's {@code return_state}).
     */
    public final List<Tensor> callAll(List<Tensor> inputs) {
        long[][] shapes = new long[inputs.size()][];
        List<long[]> outs;
        long[] packed;
        long stamp = enter();
        try {
            for (int i = 0; i < shapes.length; i++) shapes[i] = inputs.get(i).shape();
            outs = computeOutputShapes(Arrays.asList(shapes));
            packed = computeOutputShape(Arrays.asList(shapes));
        } finally {
            lifecycle.unlockRead(stamp);
        }
        if (outs.size() == 1) return List.of(inputs.size() == 1 ? call(inputs.get(0)) : call(inputs));
        List<Tensor> made = new java.util.ArrayList<>();
        try (Tensor all = Tensor.uninitialized(packed)) {
            call(inputs, all);
            for (long[] shape : outs) made.add(Tensor.uninitialized(shape));
            OutputPart.split(outs, all.segment(), made.stream().map(Tensor::segment).toList());
            return made;
        } catch (RuntimeException | Error e) {
            made.forEach(Tensor::close);
            throw e;
        }
    }

    /**
     * Runs the layer on its inputs with Keras' mask {@code (batch, steps)} of the first (a layer
     * that reads masks: recurrent layers, Bidirectional, GlobalAveragePooling1D) and returns all
     * its outputs, new tensors the caller owns.
     */
    public final List<Tensor> callAll(List<Tensor> inputs, Tensor mask) {
        ensureOpen();
        java.util.List<Tensor> all = new java.util.ArrayList<>(inputs);
        all.add(mask);
        return hidden("masked", () -> new MaskedCall(this)).callAll(all);
    }

    /** The output shapes of a call with Keras' mask given too; only layers that read masks take one. */
    List<long[]> maskedOutputShapes(List<long[]> inputs, long[] mask) {
        throw new IllegalArgumentException("Layer \"" + name + "\" (" + className() + ") does not read a mask");
    }

    /** Runs a call with Keras' mask (see {@link #maskedOutputShapes}) into {@code output}. */
    double runMaskedInputs(long[][] shapes, MemorySegment[] inputs, long[] maskShape, MemorySegment mask,
                           MemorySegment output, double[] bounds) {
        throw new IllegalArgumentException("Layer \"" + name + "\" (" + className() + ") does not read a mask");
    }

    /**
     * The output shapes of a call with Keras' masks of the inputs {@code masked} marks (their shapes
     * {@code masks}, in order); only layers whose mask use is {@code READS_EACH} take them.
     */
    List<long[]> maskedEachOutputShapes(List<long[]> inputs, boolean[] masked, List<long[]> masks) {
        throw new IllegalArgumentException("Layer \"" + name + "\" (" + className() + ") does not read its inputs' masks");
    }

    /** Runs a call with Keras' masks of the inputs {@code masked} marks (see {@link #maskedEachOutputShapes}). */
    double runMaskedEach(long[][] shapes, MemorySegment[] inputs, boolean[] masked, long[][] maskShapes,
                         MemorySegment[] masks, MemorySegment output) {
        throw new IllegalArgumentException("Layer \"" + name + "\" (" + className() + ") does not read its inputs' masks");
    }

    /** The input shape a call on inputs of these shapes builds the layer for, or null (a merge's: no weights). */
    long[] buildShape(List<long[]> inputShapes) {
        return inputShapes.size() == 1 ? inputShapes.get(0) : null;
    }

    /** Refuses a call that would return one tensor of a layer that returns several. */
    private void refuseSeveralOutputs(List<long[]> shapes) {
        int n = computeOutputShapes(shapes).size();
        if (n > 1) {
            throw new IllegalArgumentException("Layer \"" + name + "\" (" + className() + ") returns " + n + " tensors:"
                    + " call it with callAll");
        }
    }

    /** Keras' {@code get_config()}: this layer's arguments in Keras' serialized form. */
    public abstract ObjectNode getConfig();

    /** The keys every Keras layer config starts with: name, trainable, dtype, batch_input_shape when declared. */
    protected final ObjectNode baseConfig() {
        ensureOpen();
        ObjectNode c = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        c.put("name", name);
        c.put("trainable", trainable);
        c.put("dtype", "float32");
        if (declaredInputShape != null) {
            var shape = c.putArray("batch_input_shape");
            for (long d : declaredInputShape) {
                if (d < 0) shape.addNull(); else shape.add(d);
            }
        }
        return c;
    }

    /** Creates the weights for inputs of this shape (batch may be -1); once. */
    protected abstract void createWeights(long[] inputShape);

    /** The oneDNN pipeline that computes this layer for one input shape and variant (made once, then cached). */
    abstract kdnn.runtime.Pipeline pipeline(long[] inputShape, Variant variant);

    private final java.util.function.Function<long[], kdnn.runtime.Pipeline> pipelineFactory =
            key -> pipeline(Variant.shapeOf(key), Variant.ofKey(key));

    /** The last input shape seen and its output shape: a steady-state call checks shapes without allocating. */
    private record ShapePair(long[] input, Variant variant, long[] output, long[] key, boolean small,
                             long outputElements) {
        ShapePair(long[] input, Variant variant, long[] output, long[] key, boolean small) {
            this(input, variant, output, key, small, Shapes.product(output));
        }
    }

    /**
     * Below this much work (multiply-adds; elements written for copies) a call runs on one thread:
     * waking an OpenMP team costs more than it saves. Measured here on 2 cores: a 3x3 conv of 37K
     * MACs takes 1.81 us on one thread and 2.06 us on two, of 147K MACs 4.01 and 3.30 us; a crop
     * writing 25K elements 1.26 and 3.33 us, an upsampling writing 100K 7.86 and 6.55 us.
     */
    static final long SMALL_WORK = 64 * 1024;

    /** Multiply-adds of one call on an input of this shape (0 when the layer only moves values). */
    long work(long[] inputShape) {
        return Long.MAX_VALUE;
    }

    /** The thread count a call's primitives get: one for small work, else {@link kdnn.runtime.Threads#count()}. */
    static int threads(boolean small) {
        return small ? 1 : kdnn.runtime.Threads.count();
    }

    private volatile ShapePair lastShapes;
    private volatile ExtremeValues extremes; // null: the process-wide mode
    private volatile ShapePair lastVariantShapes;

    /** The {@code batch_input_shape} given at construction, or null. */
    public final long[] declaredInputShape() {
        return declaredInputShape == null ? null : declaredInputShape.clone();
    }

    /**
     * Builds the layer for an input shape, as Keras' {@code build}: creates the weights. Once built,
     * the layer refuses a shape other than its own (a different batch size is the same shape).
     */
    public final void build(long... inputShape) {
        long stamp = enter();
        try {
            ensureBuilt(inputShape);
            long[] built = builtShape;
            if (conflict(built, inputShape)) {
                throw new IllegalArgumentException("layer \"" + name + "\" is already built for input shape "
                        + Shapes.format(built) + "; cannot build it for " + Shapes.format(inputShape)
                        + " (only the batch size may differ)");
            }
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** A new layer built for its declared input shape (null: left unbuilt), or closed if that fails. */
    static <L extends Layer> L builtFor(L layer, long[] declaredInputShape) {
        if (declaredInputShape != null) {
            try {
                layer.build(declaredInputShape); // a declared input shape builds the weights at once, as in Keras
            } catch (RuntimeException e) {
                layer.close();
                throw e;
            }
        }
        return layer;
    }

    /** True when two input shapes differ in rank or in a known (not -1) dimension after the batch. */
    private static boolean conflict(long[] a, long[] b) {
        if (a.length != b.length) return true;
        for (int i = 1; i < a.length; i++) {
            if (a[i] >= 0 && b[i] >= 0 && a[i] != b[i]) return true;
        }
        return false;
    }

    /** Whether the layer has been built (its weights exist). */
    public final boolean isBuilt() {
        return builtShape != null;
    }

    /** The input shape the layer was built for, or null before it is built. */
    final long[] builtInputShape() {
        long[] s = builtShape;
        return s == null ? null : s.clone();
    }

    private void ensureBuilt(long[] inputShape) {
        if (builtShape != null) {
            return;
        }
        synchronized (this) {
            if (builtShape == null) {
                computeOutputShape(inputShape); // refuses unfit shapes before any weight exists
                createWeights(inputShape);
                weightsChanged();
                builtShape = inputShape.clone();
            }
        }
    }

    /** Runs the layer; returns a new tensor the caller owns. */
    public final Tensor call(Tensor input) {
        long[] outShape = outputShapeFor(input);
        refuseSeveralOutputs(List.of(input.shape()));
        Tensor output = Tensor.uninitialized(outShape);
        try {
            call(input, output);
            return output;
        } catch (RuntimeException | Error e) {
            output.close();
            throw e;
        }
    }

    /**
     * Runs the layer on several inputs (a merge layer's); returns a new tensor the caller owns.
     *
     * @throws IllegalArgumentException when the inputs do not fit the layer (Keras' shape rules)
     * @throws IllegalStateException after {@link #close()}
     */
    public final Tensor call(List<Tensor> inputs) {
        long[][] shapes = new long[inputs.size()][];
        long stamp = enter();
        long[] outShape;
        try {
            for (int i = 0; i < shapes.length; i++) shapes[i] = inputs.get(i).shape();
            outShape = computeOutputShape(Arrays.asList(shapes));
            refuseSeveralOutputs(Arrays.asList(shapes));
        } finally {
            lifecycle.unlockRead(stamp);
        }
        Tensor output = Tensor.uninitialized(outShape);
        try {
            call(inputs, output);
            return output;
        } catch (RuntimeException | Error e) {
            output.close();
            throw e;
        }
    }

    /**
     * Runs the layer on several inputs into {@code output}, which must have the output shape.
     *
     * @throws IllegalArgumentException when the inputs or the output do not fit the layer
     * @throws IllegalStateException after {@link #close()}
     */
    public final void call(List<Tensor> inputs, Tensor output) {
        ensureOpen();
        long[][] shapes = new long[inputs.size()][];
        for (int i = 0; i < shapes.length; i++) shapes[i] = inputs.get(i).shape();
        long[] holds = new long[inputs.size()];
        int held = 0;
        try {
            MemorySegment[] segments = new MemorySegment[shapes.length];
            for (; held < holds.length; held++) {
                holds[held] = kdnn.internal.TensorBridge.get().hold(inputs.get(held));
                segments[held] = inputs.get(held).segment();
            }
            long out = kdnn.internal.TensorBridge.get().hold(output);
            java.util.concurrent.Semaphore admitted = kdnn.runtime.Threads.enterCall();
            ExtremeValues outer = kdnn.internal.ExtremesScope.enter(extremes);
            try {
                if (!output.hasShape(computeOutputShape(Arrays.asList(shapes)))) {
                    throw new IllegalArgumentException("output tensor of layer \"" + name + "\" has shape "
                            + Shapes.format(output.shape()) + ", expected "
                            + Shapes.format(computeOutputShape(Arrays.asList(shapes))));
                }
                double[] bounds = new double[shapes.length];
                Arrays.fill(bounds, Double.NaN);
                runInputs(shapes, segments, output.segment(), Variant.PLAIN, bounds);
            } finally {
                kdnn.internal.ExtremesScope.exit(outer);
                kdnn.runtime.Threads.exitCall(admitted);
                kdnn.internal.TensorBridge.get().release(output, out);
            }
        } finally {
            for (int i = 0; i < held; i++) kdnn.internal.TensorBridge.get().release(inputs.get(i), holds[i]);
        }
    }

    private long[] outputShapeFor(Tensor input) {
        long stamp = enter();
        try {
            return computeOutputShape(input.shape());
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** Runs the layer into {@code output}, which must have the output shape; allocates nothing. */
    public final void call(Tensor input, Tensor output) {
        run(input, output, Variant.PLAIN);
    }


    /**
     * True when each output value depends only on the input value at the same position (and on
     * per-layer constants): activations, dropout at inference. Such a layer runs on a tensor in
     * whatever memory order it is stored, so a model never converts layouts around it.
     */
    boolean elementwise() {
        return false;
    }

    /**
     * True when a sample's output depends on other samples of the batch, or on its place in it,
     * for inputs of these shapes (a softmax or normalization over the batch axis); a model with
     * none such may run its batch in slices.
     */
    boolean mixesSamples(List<long[]> inputShapes) {
        return false;
    }

    /** True when {@link Variant#bf16Input()} and {@link Variant#bf16Output()} are honoured now, on an input of {@code inputShape}. */
    boolean storesBf16(long[] inputShape) {
        return false;
    }

    /** True when {@link Variant#sumIntoOutput()} is honoured (a residual Add fused after the layer). */
    boolean acceptsSum() {
        return false;
    }

    /**
     * True when the layer returns its input unchanged at inference (Dropout and its family,
     * ActivityRegularization): a planner may leave it out. Alone it runs as a copy.
     */
    boolean identityAtInference() {
        return false;
    }

    /**
     * The data_format whose tensors this layer can read and write in channels-last order when a
     * model keeps them so ({@link Variant#channelsLastInput()}), or null when it reads and writes
     * only Keras' own order (or, if {@link #elementwise()}, any order).
     */
    DataFormat variantFormat() {
        return null;
    }

    /**
     * Bumped whenever the weights' values or the arithmetic change; what a plan derived from
     * this layer (e.g. with a BatchNormalization folded in) checks to know it is stale.
     */
    private final java.util.concurrent.atomic.AtomicLong weightsVersion = new java.util.concurrent.atomic.AtomicLong();

    final long weightsVersion() {
        return weightsVersion.get();
    }

    final void bumpWeightsVersion() {
        weightsVersion.incrementAndGet();
        ANY_WEIGHTS_VERSION.incrementAndGet();
    }

    // bumped after any layer's own version: a plan that saw it unchanged need not ask its layers
    private static final java.util.concurrent.atomic.AtomicLong ANY_WEIGHTS_VERSION =
            new java.util.concurrent.atomic.AtomicLong();

    /** True when this layer can take the zero padding of a preceding layer as its own. */
    boolean acceptsInputPadding(int[][] padding, DataFormat format, long[] paddedInputShape) {
        return false;
    }

    /** The input shape once a folded {@code padding} (or null) is applied. */
    long[] paddedShape(long[] shape, int[][] padding) {
        if (padding == null) {
            return shape;
        }
        throw new UnsupportedOperationException(className() + " does not take input padding");
    }

    private void run(Tensor input, Tensor output, Variant variant) {
        long in = HOLDS.hold(input);
        try {
            // refuses a wrong input shape here
            boolean teams = startsTeams(input, variant);
            boolean onCaller = kdnn.runtime.Threads.layerCallOnCaller(teams);
            long out = HOLDS.hold(output);
            if (!onCaller) {
                ExtremeValues mode = extremes != null ? extremes : ExtremeValues.mode();
                try {
                    kdnn.runtime.Threads.runOnComputeThread(() -> {
                        ExtremeValues outer = kdnn.internal.ExtremesScope.enter(mode);
                        try {
                            runHeld(input, output, variant);
                        } finally {
                            kdnn.internal.ExtremesScope.exit(outer);
                        }
                    });
                } finally {
                    HOLDS.release(output, out);
                }
                return;
            }
            boolean oneThread = !teams && kdnn.runtime.Threads.controllable(); // one core's share of the gate
            java.util.concurrent.Semaphore admitted = kdnn.runtime.Threads.enterCall(oneThread);
            ExtremeValues outer = kdnn.internal.ExtremesScope.enter(extremes);
            try {
                runHeld(input, output, variant);
            } finally {
                kdnn.internal.ExtremesScope.exit(outer);
                kdnn.runtime.Threads.exitCall(admitted, oneThread);
                HOLDS.release(output, out);
            }
        } finally {
            HOLDS.release(input, in);
        }
    }

    /** Whether a call on {@code input} runs steps of more than one thread (its work is not small). */
    private boolean startsTeams(Tensor input, Variant variant) {
        long stamp = enter();
        try {
            return !shapesFor(input, variant).small;
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /**
     * Runs the layer on tensors the caller already holds, inside a call the caller already
     * admitted ({@link kdnn.runtime.Threads#enterCall()}).
     */
    final void runHeld(Tensor input, Tensor output, Variant variant) {
        runHeld(input, output, variant, Double.NaN);
    }

    /** As {@link #runSegment}, on tensors: checks the output tensor's shape. */
    final double runHeld(Tensor input, Tensor output, Variant variant, double inputBound) {
        long stamp = enter();
        try {
            ShapePair shapes = shapesFor(input, variant);
            if (!output.hasShape(shapes.output)) {
                throw new IllegalArgumentException("output tensor of layer \"" + name + "\" has shape "
                        + Shapes.format(output.shape()) + ", expected " + Shapes.format(shapes.output));
            }
            return runPipeline(shapes, input.segment(), output.segment(), variant, inputBound, null);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /**
     * Runs the layer on native memory: an input of Keras shape {@code inputShape} (stored as
     * {@code variant} says) into {@code output}, which holds the output. Given a bound on |x| over
     * the input that is known without looking at it (NaN: none), returns such a bound for the
     * output, or NaN. A model passes each step's bound on to the next, so only a step whose bound
     * is unknown or too large scans its input for {@link KerasExtremes}.
     */
    final double runSegment(long[] inputShape, MemorySegment input, MemorySegment output, Variant variant,
                            double inputBound) {
        long stamp = enter();
        try {
            return runPipeline(checkedShapes(inputShape, output, variant), input, output, variant, inputBound, null);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    private ShapePair checkedShapes(long[] inputShape, MemorySegment output, Variant variant) {
        ShapePair shapes = shapesFor(inputShape, variant);
        if (output.byteSize() < shapes.outputElements * variant.outputElementBytes()) {
            throw new IllegalArgumentException("output of layer \"" + name + "\" holds " + output.byteSize()
                    + " bytes, expected " + Shapes.format(shapes.output) + (variant.bf16Output() ? " bfloat16"
                    : " float32") + " values");
        }
        return shapes;
    }

    /**
     * Runs a node of this layer on several inputs (one for single-input layers), as
     * {@link #runSegment}; merge layers override it.
     */
    double runInputs(long[][] inputShapes, MemorySegment[] inputs, MemorySegment output, Variant variant,
                     double[] inputBounds) {
        if (inputShapes.length != 1) {
            throw new IllegalArgumentException("Layer \"" + name + "\" (" + className() + ") expects 1 input, but it"
                    + " received " + inputShapes.length + " input tensors");
        }
        long stamp = enter();
        try {
            ShapePair shapes = checkedShapes(inputShapes[0], output, variant);
            return runPipeline(shapes, inputs[0], output, variant, inputBounds[0], inputBounds);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    // classes whose call is Layer's own runInputs (a pipeline's run and nothing more), or says what it runs
    private static final ClassValue<Boolean> RUNS_ONE_PIPELINE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            for (Class<?> c = type; c != Layer.class; c = c.getSuperclass()) {
                boolean runs = false;
                for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                    if (m.getName().equals("pipelineOfRun")) return true;
                    runs |= m.getName().equals("runInputs");
                }
                if (runs) return false;
            }
            return true;
        }
    };

    /**
     * See {@link kdnn.internal.LayerBridge#pipelineOfRun}: here a call of one input that is
     * {@link #runInputs}' own. A class whose call does more overrides both, or neither (then null).
     */
    kdnn.internal.LeaseCache.Lease<?, kdnn.runtime.Pipeline> pipelineOfRun(long[][] inputShapes, Variant variant) {
        if (inputShapes.length != 1 || !RUNS_ONE_PIPELINE.get(getClass())) return null;
        long stamp = enter();
        try {
            ShapePair shapes = shapesFor(inputShapes[0], variant);
            if (shapes.outputElements == 0) return null;
            return pipelines.acquire(shapes.key, threads(shapes.small), pipelineFactory).held();
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    private ShapePair shapesFor(Tensor input, Variant variant) {
        ShapePair shapes = variant == Variant.PLAIN ? lastShapes : lastVariantShapes;
        if (shapes != null && input.hasShape(shapes.input) && shapes.variant == variant) {
            return shapes;
        }
        return shapesFor(input.shape(), variant);
    }

    private ShapePair shapesFor(long[] shape, Variant variant) {
        boolean plain = variant == Variant.PLAIN;
        ShapePair shapes = plain ? lastShapes : lastVariantShapes;
        if (shapes == null || !Arrays.equals(shape, shapes.input) || !shapes.variant.equals(variant)) {
            long[] seen = paddedShape(shape, variant.inputPadding());
            shapes = new ShapePair(shape.clone(), variant, computeOutputShape(seen), variant.key(shape),
                    work(seen) < SMALL_WORK);
            ensureBuilt(seen);
            if (plain) lastShapes = shapes; else lastVariantShapes = shapes;
        }
        return shapes;
    }

    /**
     * Runs the pipeline; where the KERAS mode's check scans the input, the bound it found goes to
     * {@code scanned[0]} (when given) for the plan to keep with the input's value.
     */
    private double runPipeline(ShapePair shapes, MemorySegment input, MemorySegment output, Variant variant,
                               double inputBound, double[] scanned) {
        double bound = inputBound;
        if (shapes.outputElements == 0) { // an empty batch has nothing to compute
            return bound;
        }
        boolean keras = ExtremeValues.mode() == ExtremeValues.KERAS;
        KerasExtremes extremes = keras ? kerasExtremes(variant) : null;
        boolean restore = false;
        if (extremes != null && !extremes.safeFor(bound)) {
            long inBytes = Shapes.product(shapes.input) * Float.BYTES;
            bound = kdnn.runtime.MagnitudeScan.maxMagnitude(input.asSlice(0, inBytes), threads(shapes.small));
            if (scanned != null && !variant.bf16Input()) scanned[0] = bound;
            restore = !extremes.safeFor(bound);
        }
        PipelineCache.Lease lease = pipelines.acquire(shapes.key, threads(shapes.small), pipelineFactory);
        try {
            lease.pipeline().execute(input, output);
        } finally {
            lease.release();
        }
        if (restore) {
            restoreKerasExtremes(shapes.input, input, output, shapes.output, variant, threads(shapes.small));
            return Double.NaN;
        }
        // bounds serve only the KERAS mode's checks; unknown (NaN) makes a later KERAS layer scan
        return keras ? outputBound(bound) : Double.NaN;
    }

    /**
     * oneDNN's implementation of each step for inputs of this shape, e.g.
     * {@code [reorder:jit:uni, convolution_forward:brg_conv_fwd:avx512_core]}: which kernels run.
     */
    public final java.util.List<String> implementations(long... inputShape) {
        return implementations(inputShape, Variant.PLAIN);
    }

    final java.util.List<String> implementations(long[] inputShape, Variant variant) {
        long stamp = enter();
        try {
            long[] seen = paddedShape(inputShape, variant.inputPadding());
            computeOutputShape(seen);
            ensureBuilt(seen);
            PipelineCache.Lease lease = pipelines.acquire(variant.key(inputShape), threads(work(seen) < SMALL_WORK),
                    pipelineFactory);
            try {
                return lease.pipeline().implementations();
            } finally {
                lease.release();
            }
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /**
     * Sets how this layer's own calls ({@link #call}) treat NaN and infinities, whatever the
     * process-wide {@link ExtremeValues#mode()}; null returns to that. Inside a model the model's
     * mode applies ({@code Model.setExtremes}): its plan fuses layers as one mode allows.
     */
    public final void setExtremes(ExtremeValues mode) {
        ensureOpen();
        extremes = mode;
    }

    /** The treatment of NaN and infinities this layer's own calls use now. */
    public final ExtremeValues extremes() {
        ExtremeValues own = extremes;
        return own != null ? own : ExtremeValues.processMode();
    }

    /** The names and shapes of {@link #getWeights()}, in the same order, without reading any values. */
    public final List<WeightSpec> weightSpecs() {
        long stamp = enter();
        try {
            return variables.stream().map(v -> new WeightSpec(v.name, v.shape)).toList();
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** As {@link kdnn.internal.LayerBridge#withWeightsInPlace}: little-endian views where floats are (x86), else copies. */
    private <R> R withWeightsInPlace(java.util.function.Function<List<Weight>, R> use) {
        long stamp = enter();
        try {
            if (java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
                return use.apply(variables.stream().map(Variable::toWeight).toList());
            }
            return use.apply(variables.stream().map(v -> Weight.of(v.name, v.shape,
                    v.data().asSlice(0, Shapes.product(v.shape) * Float.BYTES).asReadOnly())).toList());
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** Keras' {@code get_weights()}: values in Keras' shapes and order. */
    public final List<Weight> getWeights() {
        long stamp = enter();
        try {
            return variables.stream().map(Variable::toWeight).toList();
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /**
     * Writes Keras' values where this layer's oneDNN form departs from them, after the fused run
     * wrote {@code output}. Runs only for inputs or weights holding NaN, infinities or values near
     * float32's end, so it may allocate. Here: computes the pre-activation too, and lets
     * {@link KerasExtremes#patch} restore the activation's values where it is extreme.
     */
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        long[] key = variant.withoutActivation().key(inputShape);
        long outBytes = Shapes.product(outputShape) * Float.BYTES;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment pre = scratch.allocate(outBytes, 64);
            PipelineCache.Lease lease = pipelines.acquire(key, threads, pipelineFactory);
            try {
                lease.pipeline().execute(input, pre);
            } finally {
                lease.release();
            }
            kerasExtremes(variant).patch(output.asSlice(0, outBytes), pre, outputShape, variant.channelsLastOutput());
        }
    }

    /**
     * A bound on |y| over this layer's output, given one on |x| over its input; NaN when the input's
     * is unknown (NaN) or the layer knows none. A finite bound also says that no value is NaN or
     * infinite.
     */
    double outputBound(double inputBound) {
        return Double.NaN;
    }

    /** What restores Keras' results on extreme values, or null when the oneDNN form always gives them. */
    KerasExtremes kerasExtremes() {
        return null;
    }

    /** As {@link #kerasExtremes()}, for the form a plan runs (a layer with an activation the plan fused into it). */
    KerasExtremes kerasExtremes(Variant variant) {
        return kerasExtremes();
    }

    /** Called whenever the weights' values change (created, set, constrained), under the layer lock. */
    void weightsChanged() {
    }

    /** Keras' {@code set_weights()}: same count, shapes and order as {@link #getWeights()}. */
    public final void setWeights(List<Weight> weights) {
        long stamp = lifecycle.writeLock();
        try {
            ensureOpen();
            if (weights.size() != variables.size()) {
                throw new IllegalArgumentException("You called `set_weights(weights)` on layer \"" + name
                        + "\" with a weight list of length " + weights.size() + ", but the layer was expecting "
                        + variables.size() + " weights" + (isBuilt() ? "" : " (it is not built yet: build it for an input shape first)")
                        + ". Provided weights: " + weights);
            }
            for (int i = 0; i < weights.size(); i++) {
                Variable v = variables.get(i);
                if (!Arrays.equals(v.shape, weights.get(i).shape())) {
                    throw new IllegalArgumentException("Layer " + name + " weight shape " + Shapes.format(v.shape)
                            + " is not compatible with provided weight shape " + Shapes.format(weights.get(i).shape())
                            + " (weight '" + v.name + "')");
                }
            }
            for (int i = 0; i < weights.size(); i++) {
                variables.get(i).set(weights.get(i));
            }
            weightsChanged();
            pipelines.prepareAll();
            bumpWeightsVersion();
        } finally {
            lifecycle.unlockWrite(stamp);
        }
    }

    /** Runs {@code change} with no call in flight (calls wait meanwhile). */
    protected final void exclusively(Runnable change) {
        long stamp = lifecycle.writeLock();
        try {
            ensureOpen();
            change.run();
        } finally {
            lifecycle.unlockWrite(stamp);
        }
    }

    /** Applies each weight's constraint to its values (Keras does this after each update). */
    public final void applyConstraints() {
        long stamp = lifecycle.writeLock();
        try {
            ensureOpen();
            variables.forEach(Variable::applyConstraint);
            weightsChanged();
            pipelines.prepareAll();
            bumpWeightsVersion();
        } finally {
            lifecycle.unlockWrite(stamp);
        }
    }

    /** The sum of the weight regularizers' penalties (Keras' {@code layer.losses} without activity). */
    public final double weightPenalty() {
        long stamp = enter();
        try {
            return variables.stream().mapToDouble(Variable::penalty).sum();
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** The activity regularizer's penalty on an output of this layer (0 when there is none). */
    public double activityPenalty(Tensor output) {
        ensureOpen();
        return 0;
    }

    /** Number of weight values (Keras' parameter count). */
    public final long countParams() {
        return variables.stream().mapToLong(v -> Shapes.product(v.shape)).sum();
    }

    /**
     * Whether the {@code index}th of {@link #getWeights()} is among Keras' {@code trainable_weights}:
     * not in a frozen layer, and not a statistic training keeps without gradients (BatchNormalization's).
     */
    public final boolean isTrainableWeight(int index) {
        ensureOpen();
        return trainable && variables.get(index).trainable;
    }

    /** Keras' trainable parameter count: none for a frozen layer, and never the non-trainable weights. */
    public final long countTrainableParams() {
        ensureOpen();
        return trainable ? variables.stream().filter(v -> v.trainable).mapToLong(v -> Shapes.product(v.shape)).sum() : 0;
    }

    /** Enters a call: a shared hold that {@link #close()} waits for. */
    protected final long enter() {
        long stamp = lifecycle.readLock();
        if (closed) {
            lifecycle.unlockRead(stamp);
            throw new IllegalStateException("layer \"" + name + "\" is closed");
        }
        return stamp;
    }

    /** Leaves a call entered with {@link #enter()}. */
    final void exitCall(long stamp) {
        lifecycle.unlockRead(stamp);
    }

    /** Throws {@link IllegalStateException} when the layer is closed. */
    protected final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("layer \"" + name + "\" is closed");
        }
    }

    /** Whether {@link #close()} has run (answers after close too). */
    public final boolean isClosed() {
        return closed;
    }

    /** Frees the primitives and weights, after calls in flight finish. Idempotent. */
    @Override
    public final void close() {
        // refuse new calls at once: a stream of them must not keep the close waiting forever
        closed = true;
        long stamp = lifecycle.writeLock();
        try {
            if (released) {
                return;
            }
            released = true;
            try {
                closeParts();
                for (Layer h : hidden.values()) h.close();
            } finally {
                cleanable.clean();
            }
        } finally {
            lifecycle.unlockWrite(stamp);
        }
    }

    /**
     * How a call of this layer treats Keras' mask, given which inputs carry one: by default as
     * Keras' {@code supports_masking=False}, the mask stops here (tf.keras drops it silently,
     * Keras 3 with a warning). Layers that pass, read, make or merge masks override it.
     */
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.DROPS;
    }

    /** How many of the layer's first outputs carry the mask it passes on (Bidirectional's merge_mode=None: both). */
    int outputsCarryingMask() {
        return 1;
    }

    // hidden layers this one made for a model's graph (its masks), by what they compute; closed with it
    private final java.util.Map<String, Layer> hidden = new java.util.concurrent.ConcurrentHashMap<>();

    /** The hidden layer this one keeps under {@code key}, made by {@code make} the first time. */
    @SuppressWarnings("unchecked")
    final <L extends Layer> L hidden(String key, java.util.function.Supplier<L> make) {
        ensureOpen();
        return (L) hidden.computeIfAbsent(key, k -> make.get());
    }

    /** Refuses an output segment too small for {@code shape} float32 values. */
    final void checkOutput(MemorySegment output, long[] shape) {
        if (output.byteSize() < Shapes.product(shape) * Float.BYTES) {
            throw new IllegalArgumentException("output of layer \"" + name + "\" holds " + output.byteSize()
                    + " bytes, expected " + Shapes.format(shape) + " float32 values");
        }
    }

    /** Builds the layer for {@code inputShape} if it is not built yet (a run on several inputs). */
    final void buildFor(long[] inputShape) {
        ensureBuilt(inputShape);
    }

    /** Closes the layers this one owns (a wrapper's), once, under the write lock. */
    void closeParts() {
    }

    /** Input validation in Keras' words. */
    protected final IllegalArgumentException incompatible(long[] shape, String expectation) {
        return new IllegalArgumentException("Input 0 of layer \"" + name + "\" is incompatible with the layer: "
                + expectation + ". Full shape received: " + Shapes.format(shape));
    }

    @Override
    public String toString() {
        return className() + "(" + name + ")";
    }
}
