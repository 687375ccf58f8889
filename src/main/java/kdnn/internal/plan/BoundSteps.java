package kdnn.internal.plan;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import kdnn.internal.LayerBridge;
import kdnn.internal.LeaseCache;
import kdnn.layers.Layer;
import kdnn.runtime.Pipeline;
import kdnn.runtime.PrimitiveSequence;
import kdnn.runtime.Threads;

/**
 * A workspace's steps bound once: each layer step's pipeline held, one of its contexts pointed at
 * the workspace's values, its primitives a range of one {@link PrimitiveSequence}; other steps
 * run as the plan runs them. What a layer's call repeats for every step (its pipeline looked up
 * by shape, a context from the pool, the memories pointed, the shapes checked) a run does not.
 *
 * <p>Only in the fused modes: the KERAS mode's checks run between layers. Each bound step runs
 * under its layer's call lock, one lock at a time as the layers' own calls take them, and only
 * while the layer's weights version is the one it was bound under; a step that finds it changed
 * (new weights or precision) runs, with the rest, the plan's way, and the workspace binds again
 * for its next run. Another thread count binds again too.
 */
final class BoundSteps implements AutoCloseable {
    private final int threads;
    private volatile long anyVersion;
    private final List<LeaseCache.Lease<?, Pipeline>> leases = new ArrayList<>();
    private final List<Pipeline.Binding> bindings = new ArrayList<>();
    private PrimitiveSequence sequence;
    // per step: its primitives' range in the sequence (from -1: not bound, run the plan's way),
    // its layer (null: the plan's own pipeline) and that layer's weights version when bound
    private final int[] from;
    private final int[] to;
    private final Layer[] layer;
    private final long[] version;
    // per step: its binding where it is pointed again before each run (a caller's buffer, a padded layout), else null
    private final Pipeline.Binding[] repointed;
    private final MemorySegment[][] args;
    private volatile boolean stale;

    private BoundSteps(int threads, long anyVersion, int steps) {
        this.threads = threads;
        this.anyVersion = anyVersion;
        from = new int[steps];
        to = new int[steps];
        layer = new Layer[steps];
        version = new long[steps];
        repointed = new Pipeline.Binding[steps];
        args = new MemorySegment[steps][];
    }

    /** The workspace's steps bound for runs with the thread count in force; null where no step can be. */
    static BoundSteps bind(StepPlan plan, StepPlan.Workspace w) {
        LayerBridge bridge = LayerBridge.get();
        BoundSteps b = new BoundSteps(Threads.count(), bridge.anyWeightsVersion(), plan.steps().length);
        try {
            if (b.bindSteps(plan, w, bridge)) return b;
            b.close();
            return null;
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
    }

    private boolean bindSteps(StepPlan plan, StepPlan.Workspace w, LayerBridge bridge) {
        StepPlan.Step[] steps = plan.steps();
        PrimitiveSequence.Builder primitives = PrimitiveSequence.builder();
        for (int s = 0; s < steps.length; s++) {
            from[s] = -1;
            // a residual step outside the KERAS mode is its fused convolution on its own inputs
            StepPlan.Step step = steps[s] instanceof StepPlan.ResidualStep r ? r.fused() : steps[s];
            Pipeline pipeline = null;
            if (step instanceof StepPlan.LayerStep l) {
                long v = bridge.weightsVersion(l.layer()); // before the pipeline: a change after it shows
                LeaseCache.Lease<?, Pipeline> lease = bridge.pipelineOfRun(l.layer(), l.inputShapes(), l.variant());
                if (lease == null) continue;
                leases.add(lease);
                pipeline = lease.value();
                layer[s] = l.layer();
                version[s] = v;
            } else if (step instanceof StepPlan.ConvertStep c) {
                pipeline = c.pipeline(); // the plan's own
            } else {
                continue;
            }
            int[] in = step.inputs();
            MemorySegment[] values = values(w, in, new MemorySegment[in.length]);
            Pipeline.Binding binding = pipeline.bind(values, w.values[step.output()]);
            if (binding == null) continue;
            bindings.add(binding);
            boolean callers = plan.callersValue(step.output());
            for (int v : in) callers |= plan.callersValue(v);
            if (callers || binding.pointsEachRun()) {
                repointed[s] = binding;
                args[s] = values;
            }
            from[s] = primitives.size();
            binding.appendTo(primitives);
            to[s] = primitives.size();
        }
        if (bindings.isEmpty()) return false;
        sequence = primitives.build();
        return true;
    }

    private static MemorySegment[] values(StepPlan.Workspace w, int[] in, MemorySegment[] into) {
        for (int i = 0; i < in.length; i++) into[i] = w.values[in[i]];
        return into;
    }

    /** False once a step found its layer changed, or the thread count or a bound layer's weights differ from when it was bound. */
    boolean current() {
        if (stale || threads != Threads.count()) return false;
        LayerBridge bridge = LayerBridge.get();
        long any = bridge.anyWeightsVersion();
        if (any == anyVersion) return true;
        for (int s = 0; s < layer.length; s++) {
            if (layer[s] != null && bridge.weightsVersion(layer[s]) != version[s]) return false;
        }
        anyVersion = any; // another layer's change
        return true;
    }

    /** Runs the steps on the workspace's values (the call's inputs and outputs in place). */
    void run(StepPlan plan, StepPlan.Workspace w) {
        LayerBridge bridge = LayerBridge.get();
        StepPlan.Step[] steps = plan.steps();
        for (int s = 0; s < from.length; s++) {
            if (from[s] < 0) {
                plan.runStep(w, s);
                continue;
            }
            Layer l = layer[s];
            long stamp = l == null ? 0 : bridge.enterCall(l);
            try {
                if (l != null && bridge.weightsVersion(l) != version[s]) {
                    stale = true; // changed since bound (its pipeline may be a new one): this step and the rest the plan's way
                    bridge.exitCall(l, stamp);
                    l = null;
                    for (int k = s; k < steps.length; k++) plan.runStep(w, k);
                    return;
                }
                if (repointed[s] != null) {
                    StepPlan.Step step = steps[s] instanceof StepPlan.ResidualStep r ? r.fused() : steps[s];
                    repointed[s].point(values(w, step.inputs(), args[s]), w.values[step.output()]);
                }
                sequence.run(from[s], to[s]);
            } finally {
                if (l != null) bridge.exitCall(l, stamp);
            }
        }
    }

    /** How many primitives the steps run bound, for tests. */
    int primitives() {
        return sequence == null ? 0 : sequence.size();
    }

    /** Gives the contexts back, then the pipelines. */
    @Override
    public void close() {
        try {
            if (sequence != null) sequence.close();
        } finally {
            sequence = null;
            for (Pipeline.Binding b : bindings) b.close();
            for (LeaseCache.Lease<?, Pipeline> l : leases) l.release();
            bindings.clear();
            leases.clear();
        }
    }
}
