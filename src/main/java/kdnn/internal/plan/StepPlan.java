package kdnn.internal.plan;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import kdnn.internal.LayerBridge;
import kdnn.internal.RunVariant;
import java.lang.foreign.ValueLayout;
import kdnn.layers.Activation;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Layer;
import kdnn.runtime.MagnitudeScan;
import kdnn.runtime.NativeMemory;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Threads;

/**
 * A {@link Plan} as steps: the steps to run in order (layer calls after fusion, layout
 * conversions, copies), which value each reads and writes, and where each intermediate value
 * lives in one workspace (values share memory by liveness). Immutable; {@link #execute} may run
 * on many threads at once, each with its own workspace from a pool.
 */
public final class StepPlan extends Plan {
    /** One step; reads values and writes one. */
    sealed interface Step permits LayerStep, ResidualStep, ConvertStep, CopyStep {
        int output();

        int[] inputs();

        /** Runs the step; returns a bound on |y| from the inputs' bounds (NaN: unknown). */
        double run(MemorySegment[] in, MemorySegment out, double[] bounds);
    }

    /** A layer's call, perhaps a derived layer, with the variant the plan chose. */
    record LayerStep(Layer layer, int[] inputs, int output, long[][] inputShapes, RunVariant variant) implements Step {
        @Override
        public double run(MemorySegment[] in, MemorySegment out, double[] bounds) {
            return LayerBridge.get().run(layer, inputShapes, in, out, variant, bounds);
        }
    }

    /**
     * A convolution that adds its result (times {@code scale}: 1 for Keras' Add, a CustomScaleLayer's
     * scale) to {@code summed} in that value's buffer, then applies {@code afterSum} (ReLU, ReLU(6)
     * or nothing): Keras' Add or CustomScaleLayer and activation layers fused. Its
     * inputs are the convolution's, then the summed value. In the KERAS mode a fused ReLU would
     * turn a NaN into 0, so the step first bounds {@code conv(x) + y} (scanning x or y only where
     * the plan knows no bound); where the bound fails it sums without the activation and applies
     * Keras' ReLU, which keeps NaN, itself.
     */
    record ResidualStep(LayerStep fused, int summed, float scale, Activation afterSum, LayerStep linear) implements Step {
        @Override
        public int output() {
            return fused.output();
        }

        @Override
        public int[] inputs() {
            int[] own = fused.inputs();
            int[] all = Arrays.copyOf(own, own.length + 1);
            all[own.length] = summed;
            return all;
        }

        @Override
        public double run(MemorySegment[] in, MemorySegment out, double[] bounds) {
            int n = in.length - 1;
            MemorySegment[] convIn = Arrays.copyOf(in, n);
            double[] convBounds = Arrays.copyOf(bounds, n);
            if (ExtremeValues.mode() != ExtremeValues.KERAS) {
                fused.run(convIn, out, convBounds);
                return Double.NaN;
            }
            LayerBridge bridge = LayerBridge.get();
            double limit = bridge.extremesLimit();
            if (afterSum == null) {
                // nothing masks a NaN here: the sum is Keras' own; only pass on a bound where both are known
                fused.run(convIn, out, convBounds);
                double known = summand(bridge.outputBound(fused.layer(), convBounds[0])) + bounds[n];
                return known < limit ? known : Double.NaN;
            }
            int threads = Threads.count();
            for (int i = 0; i < n; i++) {
                if (!(convBounds[i] < limit)) bounds[i] = convBounds[i] = MagnitudeScan.maxMagnitude(convIn[i], threads);
            }
            double y = bounds[n] < limit ? bounds[n] : MagnitudeScan.maxMagnitude(out, threads);
            double pre = summand(bridge.outputBound(fused.layer(), convBounds[0])) + y;
            if (pre < limit) {
                fused.run(convIn, out, convBounds);
                return afterSum == Activation.RELU6 ? Math.min(pre, 6) : pre;
            }
            linear.run(convIn, out, convBounds);
            if (afterSum != null) kerasActivation(out, afterSum == Activation.RELU6);
            return Double.NaN;
        }

        /** A bound on the scaled convolution's |value| from one on the convolution's (its rounding included). */
        private double summand(double convBound) {
            return scale == 1f ? convBound : convBound * Math.abs(scale) * (1 + 0x1p-22);
        }

        /** Keras' ReLU (or ReLU(6)) in place: NaN stays NaN, where oneDNN's fused form gives 0. */
        private static void kerasActivation(MemorySegment values, boolean six) {
            long count = values.byteSize() / Float.BYTES;
            for (long i = 0; i < count; i++) {
                float v = values.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                float r = v > 0 ? (six ? Math.min(v, 6f) : v) : Float.isNaN(v) ? v : 0f;
                values.setAtIndex(ValueLayout.JAVA_FLOAT, i, r);
            }
        }
    }

    /** A channels-last copy of a channels_first tensor written back in Keras' order. */
    record ConvertStep(Pipeline pipeline, int[] inputs, int output) implements Step {
        @Override
        public double run(MemorySegment[] in, MemorySegment out, double[] bounds) {
            pipeline.execute(in[0], out);
            return bounds[0];
        }
    }

    /** A model output that is also an input or another output: copied. */
    record CopyStep(int[] inputs, int output, long bytes) implements Step {
        @Override
        public double run(MemorySegment[] in, MemorySegment out, double[] bounds) {
            kdnn.runtime.ExecutionTrace.javaStep("plan copy", in[0].asSlice(0, bytes));
            MemorySegment.copy(in[0], 0, out, 0, bytes);
            return bounds[0];
        }
    }

    private final Step[] steps;
    private final int valueCount;
    private final int[] inputOf;    // per value: the model input it is, or -1
    private final int[] outputOf;   // per value: the model output it is written to, or -1
    private final long[] offsets;   // per value: where it lives in the workspace, or -1
    private final long[] bytes;     // per value
    private final long workspaceBytes;
    private final List<Derivation> derivations;
    // the layers' weights version under which every derivation was last found fresh (-1: never)
    private volatile long checkedWeightsVersion = -1;
    private final List<Pipeline> pipelines;
    private final String description;
    private final List<String> stages;
    private final AtomicReferenceArray<Workspace> idle = new AtomicReferenceArray<>(IDLE_SLOTS);
    private static final int IDLE_SLOTS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
    private volatile boolean closed;

    StepPlan(List<long[]> inputShapes, List<long[]> outputShapes, List<Step> steps, int valueCount, int[] inputOf,
         int[] outputOf, long[] offsets, long[] bytes, long workspaceBytes, List<Derivation> derivations,
         List<Pipeline> pipelines, String description, List<String> stages) {
        super(inputShapes, outputShapes);
        this.stages = List.copyOf(stages);
        this.steps = steps.toArray(Step[]::new);
        this.valueCount = valueCount;
        this.inputOf = inputOf;
        this.outputOf = outputOf;
        this.offsets = offsets;
        this.bytes = bytes;
        this.workspaceBytes = workspaceBytes;
        this.derivations = List.copyOf(derivations);
        this.pipelines = List.copyOf(pipelines);
        this.description = description;
    }

    /** What runs, in order: fused layers, layouts, buffers. */
    @Override
    public String describe() {
        return description;
    }

    /** The layer steps in order, each named by its layer ("zp folded into conv" where a padding folded). */
    @Override
    public List<String> stages() {
        return stages;
    }

    /** Bytes of the workspace one concurrent prediction uses for intermediate values. */
    @Override
    public long workspaceBytes() {
        return workspaceBytes;
    }

    @Override
    public boolean anyThreadCount() {
        return pipelines.isEmpty();
    }

    /**
     * The sum of the sizes of the plan's values that are neither inputs nor outputs (as
     * {@link #describe()} states them): what the workspace would be if none shared memory.
     */
    @Override
    public long intermediateBytes() {
        long sum = 0;
        for (int v = 0; v < valueCount; v++) {
            if (inputOf[v] < 0 && outputOf[v] < 0) sum += Math.max(bytes[v], 0);
        }
        return sum;
    }

    @Override
    public void execute(MemorySegment[] inputs, MemorySegment[] outputs, java.util.function.Consumer<MemorySegment> afterStep) {
        // read before the checks: a change while they run is seen by the next call
        long version = LayerBridge.get().anyWeightsVersion();
        if (version != checkedWeightsVersion) {
            for (Derivation d : derivations) {
                if (d.stale()) d.refresh();
            }
            checkedWeightsVersion = version;
        }
        Workspace w = take();
        try {
            // bounds are this call's: a scan's bound, kept with the value it read, must not outlive the call
            Arrays.fill(w.bounds, Double.NaN);
            for (int v = 0; v < valueCount; v++) {
                if (inputOf[v] >= 0) {
                    w.values[v] = inputs[inputOf[v]];
                    w.bounds[v] = Double.NaN; // nothing is known of a caller's input
                } else if (outputOf[v] >= 0) {
                    w.values[v] = outputs[outputOf[v]];
                }
            }
            if (afterStep == null && w.bound(this) != null) {
                w.bound.run(this, w);
                return;
            }
            for (int s = 0; s < steps.length; s++) {
                runStep(w, s);
                if (afterStep != null) afterStep.accept(w.values[steps[s].output()]);
            }
        } finally {
            give(w);
        }
    }

    /** Runs step {@code s} on the workspace's values, keeping the bounds it finds. */
    void runStep(Workspace w, int s) {
        Step step = steps[s];
        int[] in = step.inputs();
        MemorySegment[] args = w.stepInputs[s];
        double[] bounds = w.stepBounds[s];
        for (int i = 0; i < in.length; i++) {
            args[i] = w.values[in[i]];
            bounds[i] = w.bounds[in[i]];
        }
        double y = step.run(args, w.values[step.output()], bounds);
        // a step that scanned an input leaves the bound it found: later readers of that value need no scan
        for (int i = 0; i < in.length; i++) {
            if (bounds[i] < Double.POSITIVE_INFINITY && !(w.bounds[in[i]] <= bounds[i])) w.bounds[in[i]] = bounds[i];
        }
        w.bounds[step.output()] = y;
    }

    Step[] steps() {
        return steps;
    }

    /** True when value {@code v} is a model input or output: a buffer the caller hands in each call. */
    boolean callersValue(int v) {
        return inputOf[v] >= 0 || outputOf[v] >= 0;
    }

    /** What one concurrent prediction needs of its own: the workspace and per-step argument arrays. */
    final class Workspace {
        final MemorySegment memory;
        // its steps bound once (null: not yet, or stale); unbindable: the plan's steps cannot be
        BoundSteps bound;
        private boolean unbindable;

        /**
         * The steps bound to this workspace for a run now, made or remade if needed; null where
         * this run takes the steps one by one (the KERAS mode, a trace, lanes of another width).
         */
        BoundSteps bound(StepPlan plan) {
            // lanes of a split turn (fewer threads) take the steps one by one: the binding stays the whole count's
            if (unbindable || ExtremeValues.mode() == ExtremeValues.KERAS || kdnn.runtime.ExecutionTrace.recording()
                    || Threads.count() != Threads.processCount()) {
                return null;
            }
            if (bound != null && !bound.current()) {
                bound.close();
                bound = null;
            }
            if (bound == null) {
                bound = BoundSteps.bind(plan, this);
                unbindable = bound == null;
            }
            return bound;
        }
        final MemorySegment[] values = new MemorySegment[valueCount];
        final double[] bounds = new double[valueCount];
        final MemorySegment[][] stepInputs = new MemorySegment[steps.length][];
        final double[][] stepBounds = new double[steps.length][];

        Workspace() {
            memory = workspaceBytes == 0 ? MemorySegment.NULL : NativeMemory.allocate(workspaceBytes, 64);
            // a value no step writes whole (a Concatenate written in place) has no known bound
            java.util.Arrays.fill(bounds, Double.NaN);
            for (int v = 0; v < valueCount; v++) {
                if (offsets[v] >= 0) values[v] = memory.asSlice(offsets[v], Math.max(bytes[v], 0));
            }
            for (int s = 0; s < steps.length; s++) {
                stepInputs[s] = new MemorySegment[steps[s].inputs().length];
                stepBounds[s] = new double[steps[s].inputs().length];
            }
        }

        void close() {
            try {
                if (bound != null) bound.close();
            } finally {
                bound = null;
                if (workspaceBytes != 0) NativeMemory.free(memory);
            }
        }
    }

    private Workspace take() {
        if (closed) {
            throw new IllegalStateException("plan is closed");
        }
        int start = (int) (Thread.currentThread().threadId() % IDLE_SLOTS);
        for (int i = 0; i < IDLE_SLOTS; i++) {
            int slot = (start + i) % IDLE_SLOTS;
            Workspace w = idle.get(slot);
            if (w != null && idle.compareAndSet(slot, w, null)) {
                return w;
            }
        }
        return new Workspace();
    }

    private void give(Workspace w) {
        int start = (int) (Thread.currentThread().threadId() % IDLE_SLOTS);
        for (int i = 0; i < IDLE_SLOTS; i++) {
            int slot = (start + i) % IDLE_SLOTS;
            if (idle.get(slot) == null && idle.compareAndSet(slot, null, w)) {
                if (closed && idle.compareAndSet(slot, w, null)) {
                    w.close();
                }
                return;
            }
        }
        w.close(); // more predictions ran at once than there are slots
    }

    @Override
    public int boundPrimitives() {
        int most = 0;
        for (int i = 0; i < IDLE_SLOTS; i++) {
            Workspace w = idle.get(i);
            BoundSteps b = w == null ? null : w.bound;
            if (b != null) most = Math.max(most, b.primitives());
        }
        return most;
    }

    /** Frees the workspaces, the plan's own pipelines and derived layers; no prediction may be running. */
    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < IDLE_SLOTS; i++) {
            Workspace w = idle.getAndSet(i, null);
            if (w != null) w.close();
        }
        pipelines.forEach(Pipeline::close);
        derivations.forEach(Derivation::close);
    }

    @Override
    public String toString() {
        return "StepPlan" + inputShapes().stream().map(Arrays::toString).toList();
    }
}
