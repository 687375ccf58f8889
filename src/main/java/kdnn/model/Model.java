package kdnn.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.StampedLock;
import kdnn.Tensor;
import kdnn.internal.LeaseCache;
import kdnn.internal.TensorBridge;
import kdnn.internal.plan.GraphSpec;
import kdnn.internal.plan.Plan;
import kdnn.internal.plan.Planner;
import kdnn.layers.BaseConv;
import kdnn.layers.ExtremeValues;
import kdnn.layers.InputLayer;
import kdnn.layers.Layer;
import kdnn.layers.Precision;
import kdnn.layers.Shapes;
import kdnn.layers.Weight;

/**
 * A Keras model: a directed acyclic graph of layer calls from its inputs to its outputs, as
 * Keras' functional API builds it ({@link Functional}), or a stack of layers ({@link Sequential},
 * the linear case). A layer may be called at several nodes (shared layers, one set of weights)
 * and a model may be called inside another (nested models).
 *
 * <p>A model runs as a plan made once per set of input shapes: fusion passes (ZeroPadding into
 * the next convolution's padding, BatchNormalization into the kernel before it, activation layers
 * into their producer, a residual Add as a sum into its operand's buffer, Dropout removed), the
 * storage order of intermediate values, and buffers shared by liveness. {@link #plan} prints it.
 * {@link #predict} may be called from many threads at once; {@link #close()} waits for
 * predictions in flight, and any use afterwards throws {@link IllegalStateException}.
 */
public abstract sealed class Model implements AutoCloseable permits Functional, Sequential {
    private final String name;
    private final List<KerasTensor> inputs;
    private final List<KerasTensor> outputs;
    private final List<Node> nodes;
    private final List<Object> layerOrder;
    private final StampedLock lifecycle = new StampedLock();
    private volatile boolean closed;
    private boolean released; // guarded by the write lock: the plans and layers are freed once
    private volatile Planner.Fusion fusion = Planner.Fusion.ALL;
    private volatile ExtremeValues extremes; // null: the process-wide mode
    private volatile int batchSlice; // samples per slice; 0: the planner chooses
    /** Plans kept per model ({@code -Dkdnn.planCache}, at least 2); see {@link LeaseCache}. */
    static final int PLAN_CAPACITY = Math.max(2, Integer.getInteger("kdnn.planCache", 16));
    // per plan: whether a split turn's lanes (fewer threads) give its results bitwise (Threads.Policy.SPLIT_WHEN_SAME)
    private final ConcurrentHashMap<Plan, kdnn.runtime.LaneCheck> laneChecks = new ConcurrentHashMap<>();
    private final LeaseCache<PlanKey, Plan> plans = new LeaseCache<>(PLAN_CAPACITY, p -> {
        laneChecks.remove(p);
        p.close();
    });
    private volatile GraphSpec graph;

    private volatile long precisionChangesSeen = -1;
    private volatile java.util.BitSet bf16Layers = new java.util.BitSet();

    /** {@code bf16}: which of {@link #allLayers()} compute in bf16 (the plan keeps values between them in bf16). */
    private record PlanKey(ExtremeValues mode, Planner.Fusion fusion, java.util.BitSet bf16, int batchSlice,
                           List<Shape> shapes) {
    }

    private record Shape(long[] dims) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Shape s && Arrays.equals(dims, s.dims);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(dims);
        }
    }

    Model(String name, List<KerasTensor> inputs, List<KerasTensor> outputs) {
        this.name = name;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.nodes = Graphs.order(name, this.inputs, this.outputs);
        this.layerOrder = List.copyOf(Graphs.kerasLayerOrder(this.inputs, this.outputs));
        // made now: what the masks meet is refused at load, not at the first prediction
        this.graph = Graphs.spec(this);
    }

    /**
     * The layers Keras gives a mask ({@code Embedding(mask_zero=True)}'s or {@code Masking}'s) at
     * some call of this model, nested models' layers included, whether they read, pass or drop it.
     */
    public final List<Layer> layersGivenMasks() {
        ensureOpen();
        return graph().givenMasks();
    }

    /** The model's name. */
    public final String name() {
        return name;
    }

    /** Keras' class name of the model: {@code Functional} or {@code Sequential}. */
    public abstract String className();

    /** The symbolic inputs, in Keras' order. */
    public final List<KerasTensor> inputs() {
        return inputs;
    }

    /** The symbolic outputs, in Keras' order. */
    public final List<KerasTensor> outputs() {
        return outputs;
    }

    /** The names of the inputs (their InputLayers'). */
    public final List<String> inputNames() {
        return inputs.stream().map(t -> t.node().name()).toList();
    }

    /** The names of the outputs (the layers, or nested models, that compute them). */
    public final List<String> outputNames() {
        return outputs.stream().map(t -> t.node().name()).toList();
    }

    /** The declared input shapes, batch first (-1: unknown). */
    public final List<long[]> inputShapes() {
        return inputs.stream().map(KerasTensor::shape).toList();
    }

    /** The declared output shapes, batch first (-1: unknown). */
    public final List<long[]> outputShapes() {
        return outputs.stream().map(KerasTensor::shape).toList();
    }

    /** Keras' {@code model.layers}: the layers and nested models called directly by this model, in order. */
    public final List<Object> layerObjects() {
        return layerOrder;
    }

    /** Every layer this model computes with, nested models' included, each once, in order. */
    public final List<Layer> allLayers() {
        List<Layer> list = new ArrayList<>();
        for (Object o : layerObjects()) {
            if (o instanceof Model m) {
                for (Layer l : m.allLayers()) if (!(l instanceof InputLayer) && !list.contains(l)) list.add(l);
            } else if (!list.contains(o)) {
                list.add((Layer) o);
            }
        }
        return list;
    }

    /** The layers this model computes with, in order (nested models' included, their InputLayers left out). */
    public List<Layer> layers() {
        return allLayers();
    }

    /** The declared input shape of a model of one input, batch first. */
    public final long[] inputShape() {
        requireSingleInput();
        return inputs.get(0).shape();
    }

    /** The declared output shape of a model of one output, batch first. */
    public final long[] outputShape() {
        if (outputs.size() != 1) {
            throw new IllegalArgumentException("model \"" + name + "\" has " + outputs.size() + " outputs: use outputShapes()");
        }
        return outputs.get(0).shape();
    }

    /** The output shape of a model of one input and one output for a concrete input shape. */
    public final long[] outputShape(long[] input) {
        requireSingle();
        return outputShapes(List.of(input)).get(0);
    }

    private void requireSingleInput() {
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("model \"" + name + "\" has " + inputs.size() + " inputs: use inputShapes()");
        }
    }

    /** The layer of this name (nested models searched too). */
    public final Layer layer(String layerName) {
        for (Layer l : allLayers()) if (l.name().equals(layerName)) return l;
        throw new IllegalArgumentException("No such layer: " + layerName + ". Existing layers are: "
                + allLayers().stream().map(Layer::name).toList());
    }

    List<Node> nodes() {
        return nodes;
    }

    /** The output shapes when called on inputs of these shapes. */
    final List<long[]> outputShapes(List<long[]> inputShapes) {
        return Graphs.outputShapes(this, inputShapes);
    }

    /** Calls this model on symbolic tensors, as a layer of another model (a nested model). */
    public final List<KerasTensor> apply(KerasTensor... in) {
        ensureOpen();
        if (in.length != inputs.size()) {
            throw new IllegalArgumentException("model \"" + name + "\" expects " + inputs.size() + " input(s), but it"
                    + " received " + in.length + " input tensors");
        }
        return KerasTensor.applied(this, List.of(in));
    }

    // ---- prediction ----------------------------------------------------------------------

    /** Runs a model of one input and one output; returns a new tensor the caller owns. */
    public final Tensor predict(Tensor input) {
        requireSingle();
        return predict(List.of(input)).get(0);
    }

    /**
     * Runs a model of one input and one output into {@code output}. In steady state it allocates no
     * tensor and no native memory, only a few hundred bytes of short-lived Java objects.
     */
    public final void predict(Tensor input, Tensor output) {
        requireSingle();
        predict(List.of(input), List.of(output));
    }

    /** Runs the model: one tensor per input, in Keras' order; returns one new tensor per output. */
    public final List<Tensor> predict(List<Tensor> in) {
        long stamp = enter();
        try {
            ExtremeValues mode = extremes();
            LeaseCache.Lease<PlanKey, Plan> lease = planFor(in, mode);
            List<Tensor> out = new ArrayList<>();
            try {
                for (long[] s : lease.value().outputShapes()) out.add(Tensor.uninitialized(s));
                run(lease.value(), in, out, mode);
                return out;
            } catch (RuntimeException | Error e) {
                out.forEach(Tensor::close);
                throw e;
            } finally {
                lease.release();
            }
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** Runs the model on inputs named by their InputLayers; returns the outputs by name. */
    public final Map<String, Tensor> predict(Map<String, Tensor> in) {
        ensureOpen();
        List<String> names = inputNames();
        for (String k : in.keySet()) {
            if (!names.contains(k)) {
                throw new IllegalArgumentException("model \"" + name + "\" has no input named \"" + k
                        + "\"; its inputs are " + names);
            }
        }
        List<Tensor> ordered = new ArrayList<>();
        for (String n : names) {
            Tensor t = in.get(n);
            if (t == null) {
                throw new IllegalArgumentException("model \"" + name + "\": missing input \"" + n + "\"; its inputs are "
                        + names);
            }
            ordered.add(t);
        }
        List<Tensor> out = predict(ordered);
        Map<String, Tensor> named = new LinkedHashMap<>();
        List<String> outNames = outputNames();
        for (int i = 0; i < out.size(); i++) {
            String key = outNames.get(i);
            named.put(named.containsKey(key) ? key + "_" + i : key, out.get(i));
        }
        return named;
    }

    /**
     * Runs the model into caller-supplied outputs of the output shapes. In steady state it
     * allocates no tensor and no native memory, only a few hundred bytes of short-lived Java
     * objects (the call's hand-off to a compute thread among them).
     */
    public final void predict(List<Tensor> in, List<Tensor> out) {
        long stamp = enter();
        try {
            ExtremeValues mode = extremes();
            LeaseCache.Lease<PlanKey, Plan> lease = planFor(in, mode);
            try {
                runInto(lease.value(), in, out, mode);
            } finally {
                lease.release();
            }
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    private void runInto(Plan plan, List<Tensor> in, List<Tensor> out, ExtremeValues mode) {
        if (out.size() != plan.outputCount()) {
            throw new IllegalArgumentException("model \"" + name + "\" has " + plan.outputCount()
                    + " outputs, but " + out.size() + " output tensors were given");
        }
        for (int i = 0; i < out.size(); i++) {
            if (!plan.outputFits(i, out.get(i))) {
                throw new IllegalArgumentException("output " + i + " of model \"" + name + "\" has shape "
                        + Shapes.format(out.get(i).shape()) + ", expected " + Shapes.format(plan.outputShapes().get(i)));
            }
        }
        run(plan, in, out, mode);
    }

    private void run(Plan plan, List<Tensor> in, List<Tensor> out, ExtremeValues mode) {
        long[] held = new long[in.size() + out.size()];
        int n = 0;
        ExtremeValues outer = kdnn.internal.ExtremesScope.enter(mode); // the layers read it as they run
        try {
            for (Tensor t : in) held[n++] = TensorBridge.get().hold(t);
            for (Tensor t : out) held[n++] = TensorBridge.get().hold(t);
            for (int i = 0; i < in.size(); i++) ((InputLayer) inputs.get(i).node().op()).checkValues(in.get(i));
            // one turn for the whole prediction: its layers run back to back on warm caches; one that
            // starts OpenMP teams on a compute thread (a team on a request thread would outlive the
            // call and make OpenMP throttle every team), which must see the mode in force here (and
            // may share its turn with others, in lanes of fewer threads, only if every step follows
            // the thread's count)
            ExtremeValues effective = ExtremeValues.mode();
            long sharedBytes = plan.anyThreadCount() ? plan.workspaceBytes() : Long.MAX_VALUE;
            kdnn.runtime.Threads.runAdmitted(plan.startsTeams(), sharedBytes, laneChecks.get(plan), () -> {
                ExtremeValues before = kdnn.internal.ExtremesScope.enter(effective);
                int teams = kdnn.runtime.Threads.teamMark();
                try {
                    plan.execute(segments(in), segments(out));
                    plan.startedTeams(kdnn.runtime.Threads.teamsSince(teams));
                } finally {
                    kdnn.internal.ExtremesScope.exit(before);
                }
            });
        } finally {
            for (int i = 0; i < n; i++) {
                Tensor t = i < in.size() ? in.get(i) : out.get(i - in.size());
                TensorBridge.get().release(t, held[i]);
            }
            kdnn.internal.ExtremesScope.exit(outer);
        }
    }

    /** The digests of a run on the check input of the plan for {@code inputShapes}, for tests. */
    final long[] stepDigests(long[]... inputShapes) {
        long stamp = enter();
        try {
            ExtremeValues mode = extremes();
            return withPlan(List.of(inputShapes), mode, p -> stepDigests(p, mode));
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** Whether the plan for {@code inputShapes} gives bitwise the same values with one thread (checked if not yet), for tests. */
    final boolean sameWithOneThread(long[]... inputShapes) {
        long stamp = enter();
        try {
            return withPlan(List.of(inputShapes), extremes(), p -> {
                kdnn.runtime.LaneCheck check = laneChecks.get(p);
                boolean[] same = new boolean[1];
                // on a compute thread, as a split turn runs it: the whole count's run starts a team
                kdnn.runtime.Threads.runAdmitted(true, () -> same[0] = check.same(kdnn.runtime.Threads.count(), 1));
                return same[0];
            });
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** How many primitives the plan for {@code inputShapes} runs bound ({@link Plan#boundPrimitives()}), for tests. */
    final int boundPrimitives(long[]... inputShapes) {
        long stamp = enter();
        try {
            return withPlan(List.of(inputShapes), extremes(), Plan::boundPrimitives);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** Whether predictions of the plan for {@code inputShapes} go to a compute thread ({@link Plan#startsTeams()}), for tests. */
    final boolean startsTeams(long[]... inputShapes) {
        long stamp = enter();
        try {
            return withPlan(List.of(inputShapes), extremes(), Plan::startsTeams);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** The plan's run on its check input under {@code mode} (see {@link kdnn.runtime.LaneCheck}). */
    private static long[] stepDigests(Plan plan, ExtremeValues mode) {
        ExtremeValues before = kdnn.internal.ExtremesScope.enter(mode);
        try {
            return kdnn.internal.plan.StepDigests.of(plan);
        } finally {
            kdnn.internal.ExtremesScope.exit(before);
        }
    }

    private static java.lang.foreign.MemorySegment[] segments(List<Tensor> tensors) {
        java.lang.foreign.MemorySegment[] s = new java.lang.foreign.MemorySegment[tensors.size()];
        for (int i = 0; i < s.length; i++) s[i] = tensors.get(i).segment();
        return s;
    }

    private void requireSingle() {
        if (inputs.size() != 1 || outputs.size() != 1) {
            throw new IllegalArgumentException("model \"" + name + "\" has " + inputs.size() + " inputs and "
                    + outputs.size() + " outputs: call predict with lists (or a map of named inputs)");
        }
    }

    /** The plan for these inputs, held: the caller releases it. */
    private LeaseCache.Lease<PlanKey, Plan> planFor(List<Tensor> in, ExtremeValues mode) {
        LeaseCache.Lease<PlanKey, Plan> p = plans.last();
        if (p != null) {
            PlanKey k = p.key();
            if (k.mode == mode && k.fusion == fusion && k.bf16 == bf16Layers() && k.batchSlice == batchSlice
                    && p.value().fits(in) && p.acquire()) {
                return p;
            }
        }
        if (in.size() != inputs.size()) {
            throw new IllegalArgumentException("model \"" + name + "\" expects " + inputs.size() + " input(s), but it"
                    + " received " + in.size() + " input tensors");
        }
        List<long[]> shapes = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            long[] s = in.get(i).shape();
            checkInput(i, s);
            shapes.add(s);
        }
        return planForShapes(shapes, mode);
    }

    /** The plan for inputs of these shapes, held: the caller releases it. */
    private LeaseCache.Lease<PlanKey, Plan> planForShapes(List<long[]> shapes, ExtremeValues mode) {
        PlanKey key = new PlanKey(mode, fusion, bf16Layers(), batchSlice, shapes.stream().map(Shape::new).toList());
        return plans.acquire(key, x -> {
            ExtremeValues outer = kdnn.internal.ExtremesScope.enter(mode); // the planner's passes depend on it
            try {
                Plan p = Planner.plan(graph(), shapes, x.fusion, x.batchSlice);
                laneChecks.put(p, new kdnn.runtime.LaneCheck(() -> stepDigests(p, mode)));
                return p;
            } finally {
                kdnn.internal.ExtremesScope.exit(outer);
            }
        });
    }

    /** {@code use} applied to the plan for these shapes, held meanwhile. */
    private <T> T withPlan(List<long[]> shapes, ExtremeValues mode, java.util.function.Function<Plan, T> use) {
        LeaseCache.Lease<PlanKey, Plan> lease = planForShapes(shapes, mode);
        try {
            return use.apply(lease.value());
        } finally {
            lease.release();
        }
    }

    /** How many plans the model keeps, for tests. */
    final int planCount() {
        return plans.size();
    }

    /** The layers in bf16 now, re-read only after some layer's precision changed; the same object until then. */
    private java.util.BitSet bf16Layers() {
        long seen = kdnn.internal.PrecisionChanges.count();
        if (seen != precisionChangesSeen) {
            java.util.BitSet now = new java.util.BitSet();
            List<Layer> all = allLayers();
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i) instanceof BaseConv c && c.precision() == Precision.BF16) now.set(i);
            }
            if (!now.equals(bf16Layers)) bf16Layers = now;
            precisionChangesSeen = seen;
        }
        return bf16Layers;
    }

    private void checkInput(int i, long[] shape) {
        long[] want = inputs.get(i).shape();
        boolean ok = shape.length == want.length;
        for (int d = 0; ok && d < shape.length; d++) ok = want[d] < 0 || want[d] == shape[d];
        if (!ok) {
            throw new IllegalArgumentException("Input " + i + " of layer \"" + name + "\" is incompatible with the layer:"
                    + " expected shape=" + Shapes.format(want) + ", found shape=" + Shapes.format(shape));
        }
    }

    /** The model as the planner sees it: nested models expanded, made once. */
    private GraphSpec graph() {
        GraphSpec g = graph;
        if (g == null) {
            g = Graphs.spec(this);
            graph = g;
        }
        return g;
    }

    /**
     * The plan for inputs of these shapes (batch first; an unknown batch is taken as 1), as text:
     * each step with what fused into it, the values it reads and writes, their storage order and
     * buffer, then the workspace size. Without shapes, the declared ones; a model that leaves other
     * input lengths open is planned for each size it is given, so it needs the shapes.
     */
    public final String plan(long[]... inputShapes) {
        long stamp = enter();
        try {
            List<long[]> shapes = new ArrayList<>();
            if (inputShapes.length == 0) {
                for (KerasTensor t : inputs) shapes.add(concrete(t.shape()));
            } else {
                for (int i = 0; i < inputShapes.length; i++) {
                    checkInput(i, inputShapes[i]);
                    shapes.add(inputShapes[i].clone());
                }
            }
            return withPlan(shapes, extremes(), Plan::describe);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /**
     * Native memory of the intermediate values of one prediction: the plan's workspace (values
     * share memory by liveness) and the sum of the values' own sizes.
     */
    public record WorkspaceUse(long workspaceBytes, long intermediateBytes) {
    }

    /** The {@link WorkspaceUse} of the plan for inputs of these shapes (batch first), made if needed. */
    public final WorkspaceUse workspaceUse(long[]... inputShapes) {
        long stamp = enter();
        try {
            if (inputShapes.length != inputs.size()) {
                throw new IllegalArgumentException("model \"" + name + "\" expects " + inputs.size()
                        + " input shape(s), got " + inputShapes.length);
            }
            List<long[]> shapes = new ArrayList<>();
            for (int i = 0; i < inputShapes.length; i++) {
                checkInput(i, inputShapes[i]);
                shapes.add(inputShapes[i].clone());
            }
            return withPlan(shapes, extremes(), p -> new WorkspaceUse(p.workspaceBytes(), p.intermediateBytes()));
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    /** The layer steps of the plan for the declared input shapes (batch 1), by name; the lengths must be declared. */
    public final List<String> stages() {
        long stamp = enter();
        try {
            List<long[]> shapes = new ArrayList<>();
            for (KerasTensor t : inputs) shapes.add(concrete(t.shape()));
            return withPlan(shapes, extremes(), Plan::stages);
        } finally {
            lifecycle.unlockRead(stamp);
        }
    }

    private long[] concrete(long[] shape) {
        long[] s = shape.clone();
        for (int i = 1; i < s.length; i++) {
            if (s[i] < 0) {
                throw new IllegalArgumentException("model \"" + name + "\" leaves input lengths open ("
                        + Shapes.format(shape) + "): it is planned for each input size it is given; give the input"
                        + " shapes, e.g. plan(new long[] {1, ...})");
            }
        }
        if (s.length > 0 && s[0] < 0) s[0] = 1;
        return s;
    }

    /** True when an input leaves a length other than the batch open: such a model is planned per input size. */
    public final boolean hasOpenInputLengths() {
        ensureOpen();
        for (KerasTensor t : inputs) {
            long[] s = t.shape();
            for (int i = 1; i < s.length; i++) if (s[i] < 0) return true;
        }
        return false;
    }

    /**
     * Turns the plan's fusion passes on (the default) or off; off runs every layer as Keras
     * defines it, one after the other (to check that fusion changes nothing beyond rounding).
     */
    public final void setFusion(boolean on) {
        ensureOpen();
        fusion = on ? Planner.Fusion.ALL : Planner.Fusion.NONE;
    }

    /**
     * Sets how many samples of a batch run through the model at a time. A batch whose
     * intermediate values would overflow the CPU's caches runs in slices that fit them, one
     * slice after another, each through the whole model: faster where memory traffic bounds the
     * layers (MobileNetV2), and exact, since every layer treats the samples independently (a
     * model with a softmax or normalization over the batch axis never slices). {@code 0} (the
     * default) lets the planner choose (or {@code -Dkdnn.batchSlice=auto|off|N} for the
     * process); {@code n} runs at most {@code n} samples at a time; {@link Integer#MAX_VALUE}
     * runs every batch at once. {@link #plan} shows the choice.
     */
    public final void setBatchSlice(int samples) {
        ensureOpen();
        if (samples < 0) {
            throw new IllegalArgumentException("samples per slice must be 0 (chosen by kdnn) or positive, got "
                    + samples);
        }
        batchSlice = samples;
    }

    /**
     * Sets how this model's predictions treat NaN and infinities in their inputs, whatever the
     * process-wide {@link ExtremeValues#mode()}; null returns to that. Plans are made per mode.
     */
    public final void setExtremes(ExtremeValues mode) {
        ensureOpen();
        extremes = mode;
    }

    /** The treatment of NaN and infinities this model's predictions use now. */
    public final ExtremeValues extremes() {
        ExtremeValues own = extremes;
        return own != null ? own : ExtremeValues.processMode();
    }

    /** Sets every convolution's arithmetic (see {@link Precision}); waits for predictions in flight. */
    public final void setPrecision(Precision precision) {
        ensureOpen();
        for (Layer l : allLayers()) {
            if (l instanceof BaseConv c) c.setPrecision(precision);
        }
    }

    // ---- weights and summary -------------------------------------------------------------

    /** Number of weight values of all layers. */
    public final long countParams() {
        return allLayers().stream().mapToLong(Layer::countParams).sum();
    }

    /** Number of weight values training would change (not a frozen layer's, not moving statistics). */
    public final long countTrainableParams() {
        return allLayers().stream().mapToLong(Layer::countTrainableParams).sum();
    }

    /** Keras' {@code model.get_weights()}: every layer's weights, in order. */
    public final List<Weight> getWeights() {
        List<Weight> all = new ArrayList<>();
        for (Layer l : allLayers()) all.addAll(l.getWeights());
        return all;
    }

    /** The table Keras' {@code model.summary()} prints. */
    public abstract String summary();

    // ---- lifecycle -----------------------------------------------------------------------

    final long enter() {
        long stamp = lifecycle.readLock();
        if (closed) {
            lifecycle.unlockRead(stamp);
            throw new IllegalStateException("model \"" + name + "\" is closed");
        }
        return stamp;
    }

    final void exit(long stamp) {
        lifecycle.unlockRead(stamp);
    }

    final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model \"" + name + "\" is closed");
        }
    }

    /** Whether {@link #close()} has run (answers after close too). */
    public final boolean isClosed() {
        return closed;
    }

    /** Closes the plans and every layer (nested models' too), after predictions in flight finish. Idempotent. */
    @Override
    public final void close() {
        // refuse new predictions at once: a stream of them must not keep the close waiting forever
        closed = true;
        long stamp = lifecycle.writeLock();
        try {
            if (released) return;
            released = true;
            plans.closeAll();
            laneChecks.clear();
            for (Object o : layerObjects()) {
                if (o instanceof Model m) m.close();
                else ((Layer) o).close();
            }
        } finally {
            lifecycle.unlockWrite(stamp);
        }
    }

    /** Closes what was built so far when making a model fails. */
    static void closeAll(Iterable<?> made) {
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        for (Object o : made) {
            if (o == null || seen.put(o, true) != null) continue;
            if (o instanceof Model m) m.close();
            else if (o instanceof Layer l) l.close();
        }
    }
}
