package kdnn.internal.plan;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kdnn.internal.LayerBridge;
import kdnn.internal.LeaseCache;
import kdnn.layers.Layer;
import kdnn.runtime.Pipeline;
import kdnn.runtime.PrimitiveSequence;
import kdnn.runtime.Threads;

/**
 * A workspace's steps bound once: each layer step's pipeline held, one of its contexts pointed at
 * the workspace's values, and the primitives of consecutive such steps run as one
 * {@link PrimitiveSequence}; other steps run as the plan runs them. What a layer's call repeats
 * for every step (its lock, its pipeline looked up by shape, a context from the pool, the memories
 * pointed) a run pays once, and the primitives run back to back as the floor replays them.
 *
 * <p>Only in the fused modes: the KERAS mode's checks run between layers. A run holds every
 * bound layer's call lock, so no weights, precision or close change them meanwhile; such a
 * change (their weights versions) or another thread count makes the binding stale, and the
 * workspace binds again.
 */
final class BoundSteps implements AutoCloseable {
    private final int threads;
    private volatile long anyVersion;
    private final List<Layer> layers = new ArrayList<>();
    private final List<Long> layerVersions = new ArrayList<>();
    private final List<LeaseCache.Lease<?, Pipeline>> leases = new ArrayList<>();
    private final List<Pipeline.Binding> bindings = new ArrayList<>();
    private final List<PrimitiveSequence> sequences = new ArrayList<>();
    // in order: -1 - k runs sequence k, s >= 0 runs step s the plan's way
    private int[] segments;
    // bindings pointed again before each run (a caller's buffer, a padded layout), with the values they read and write
    private final List<Pipeline.Binding> repointed = new ArrayList<>();
    private final List<int[]> repointedInputs = new ArrayList<>();
    private final List<MemorySegment[]> repointedArgs = new ArrayList<>();
    private final List<Integer> repointedOutput = new ArrayList<>();
    private long[] stamps;

    private BoundSteps(int threads, long anyVersion) {
        this.threads = threads;
        this.anyVersion = anyVersion;
    }

    /** The workspace's steps bound for runs with the thread count in force; null where no step can be. */
    static BoundSteps bind(StepPlan plan, StepPlan.Workspace w) {
        LayerBridge bridge = LayerBridge.get();
        BoundSteps b = new BoundSteps(Threads.count(), bridge.anyWeightsVersion());
        try {
            return b.bindSteps(plan, w, bridge) ? b : closed(b);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
    }

    private static BoundSteps closed(BoundSteps b) {
        b.close();
        return null;
    }

    private boolean bindSteps(StepPlan plan, StepPlan.Workspace w, LayerBridge bridge) {
        StepPlan.Step[] steps = plan.steps();
        Map<Layer, Boolean> locked = new IdentityHashMap<>();
        Map<Layer, Boolean> oneByOne = new IdentityHashMap<>();
        List<Integer> order = new ArrayList<>();
        PrimitiveSequence.Builder sequence = null;
        for (int s = 0; s < steps.length; s++) {
            // a residual step outside the KERAS mode is its fused convolution on its own inputs
            StepPlan.Step step = steps[s] instanceof StepPlan.ResidualStep r ? r.fused() : steps[s];
            Layer layer = step instanceof StepPlan.LayerStep l ? l.layer() : null;
            Pipeline pipeline = null;
            if (step instanceof StepPlan.LayerStep l) {
                long version = bridge.weightsVersion(layer); // before the pipeline: a change after it shows
                LeaseCache.Lease<?, Pipeline> lease = bridge.pipelineOfRun(layer, l.inputShapes(), l.variant());
                if (lease != null) {
                    leases.add(lease);
                    pipeline = lease.value();
                    if (locked.put(layer, Boolean.TRUE) == null) {
                        layers.add(layer);
                        layerVersions.add(version);
                    }
                }
            } else if (step instanceof StepPlan.ConvertStep c) {
                pipeline = c.pipeline(); // the plan's own
            }
            int[] in = step.inputs();
            int out = step.output();
            Pipeline.Binding binding = pipeline == null ? null : pipeline.bind(values(w, in, new MemorySegment[in.length]),
                    w.values[out]);
            if (binding == null) {
                if (layer != null) oneByOne.put(layer, Boolean.TRUE);
                if (sequence != null) {
                    order.add(-1 - sequences.size());
                    sequences.add(sequence.build());
                    sequence = null;
                }
                order.add(s);
                continue;
            }
            bindings.add(binding);
            boolean callers = plan.callersValue(out);
            for (int v : in) callers |= plan.callersValue(v);
            if (callers || binding.pointsEachRun()) {
                repointed.add(binding);
                repointedInputs.add(in);
                repointedArgs.add(new MemorySegment[in.length]);
                repointedOutput.add(out);
            }
            if (sequence == null) sequence = PrimitiveSequence.builder();
            binding.appendTo(sequence);
        }
        if (sequence != null) {
            order.add(-1 - sequences.size());
            sequences.add(sequence.build());
        }
        // a layer both bound and called (its call takes its lock again) would wait on itself behind a writer
        for (Layer l : oneByOne.keySet()) {
            if (locked.containsKey(l)) return false;
        }
        if (bindings.isEmpty()) return false;
        segments = order.stream().mapToInt(Integer::intValue).toArray();
        stamps = new long[layers.size()];
        return true;
    }

    private static MemorySegment[] values(StepPlan.Workspace w, int[] in, MemorySegment[] into) {
        for (int i = 0; i < in.length; i++) into[i] = w.values[in[i]];
        return into;
    }

    /** True while the thread count and the bound layers' weights are those it was bound under. */
    boolean current() {
        if (threads != Threads.count()) return false;
        LayerBridge bridge = LayerBridge.get();
        long any = bridge.anyWeightsVersion();
        if (any == anyVersion) return true;
        for (int i = 0; i < layers.size(); i++) {
            if (bridge.weightsVersion(layers.get(i)) != layerVersions.get(i)) return false;
        }
        anyVersion = any; // another layer's change
        return true;
    }

    /**
     * Runs the steps on the workspace's values (the call's inputs and outputs in place); false,
     * having run nothing, where the binding went stale before its layers were held.
     */
    boolean run(StepPlan plan, StepPlan.Workspace w) {
        LayerBridge bridge = LayerBridge.get();
        int held = 0;
        try {
            for (; held < layers.size(); held++) stamps[held] = bridge.enterCall(layers.get(held));
            if (!current()) return false;
            for (int i = 0; i < repointed.size(); i++) {
                repointed.get(i).point(values(w, repointedInputs.get(i), repointedArgs.get(i)), w.values[repointedOutput.get(i)]);
            }
            for (int k : segments) {
                if (k < 0) sequences.get(-1 - k).run();
                else plan.runStep(w, k);
            }
            return true;
        } finally {
            while (held > 0) {
                held--;
                bridge.exitCall(layers.get(held), stamps[held]);
            }
        }
    }

    /** How many primitives the sequences run, for tests. */
    int primitives() {
        int n = 0;
        for (PrimitiveSequence s : sequences) n += s.size();
        return n;
    }

    /** Gives the contexts back, then the pipelines. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (PrimitiveSequence s : sequences) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        for (Pipeline.Binding b : bindings) b.close();
        for (LeaseCache.Lease<?, Pipeline> l : leases) l.release();
        sequences.clear();
        bindings.clear();
        leases.clear();
        if (failure != null) throw failure;
    }
}
