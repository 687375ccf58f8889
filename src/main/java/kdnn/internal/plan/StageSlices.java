package kdnn.internal.plan;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import kdnn.runtime.NativeMemory;

/**
 * A batch run stage by stage, each stage in slices of its own size ({@link BatchSlices}, or the
 * batch at once): a model's first layers, whose values are large and weights small, keep a
 * sample's values in the caches from one layer to the next only in small slices, while its last
 * layers, whose weights are large, would read them again for every slice. The stages meet at
 * values that are the only ones live there (a ResNet block's output), each held for the whole
 * batch in one of two buffers that the stages take in turns. Every stage treats the samples
 * independently, so the result is the whole batch's up to the order of rounding in oneDNN's kernels.
 */
public final class StageSlices extends Plan {
    private static final int KEPT = 8; // idle boundary blocks kept for the next predictions
    private final List<Plan> stages;
    private final List<Integer> sizes;      // samples per slice of each stage
    private final long[] boundaryBytes;     // per boundary between stage k and k + 1
    private final long halfBytes;           // one of the two buffers: the largest boundary
    private final ConcurrentLinkedQueue<MemorySegment> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private volatile boolean closed;

    StageSlices(List<long[]> inputShapes, List<long[]> outputShapes, List<Plan> stages, List<Integer> sizes) {
        super(inputShapes, outputShapes);
        this.stages = List.copyOf(stages);
        this.sizes = List.copyOf(sizes);
        this.boundaryBytes = new long[stages.size() - 1];
        long most = 0;
        for (int k = 0; k < boundaryBytes.length; k++) {
            long[] shape = stages.get(k).outputShapes().get(0);
            long n = Float.BYTES;
            for (long d : shape) n *= d;
            boundaryBytes[k] = n;
            most = Math.max(most, n);
        }
        // whole cache lines, so the second buffer starts on one
        this.halfBytes = (most + 63) / 64 * 64;
    }

    /** The stages' plans, in order. */
    List<Plan> parts() {
        return stages;
    }

    @Override
    public String describe() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "batch %d in %d stages, each in slices of its own size (%s), meeting at whole-batch values%n",
                inputShapes().get(0)[0], stages.size(), sizes.stream().map(String::valueOf)
                        .reduce((a, b) -> a + ", " + b).orElse("")));
        for (int k = 0; k < stages.size(); k++) {
            s.append(String.format(Locale.ROOT, "stage %d:%n", k + 1)).append(stages.get(k).describe());
        }
        return s.toString();
    }

    @Override
    public List<String> stages() {
        List<String> all = new ArrayList<>();
        for (Plan p : stages) all.addAll(p.stages());
        return all;
    }

    @Override
    public long workspaceBytes() {
        long bytes = 2 * halfBytes;
        for (Plan p : stages) bytes += p.workspaceBytes();
        return bytes;
    }

    @Override
    public boolean anyThreadCount() {
        for (Plan p : stages) if (!p.anyThreadCount()) return false;
        return true;
    }

    @Override
    public long intermediateBytes() {
        long bytes = 0;
        for (Plan p : stages) bytes += p.intermediateBytes();
        for (long b : boundaryBytes) bytes += b;
        return bytes;
    }

    @Override
    public void execute(MemorySegment[] inputs, MemorySegment[] outputs, java.util.function.Consumer<MemorySegment> afterStep) {
        MemorySegment block = take();
        try {
            MemorySegment[] in = inputs;
            for (int k = 0; k < stages.size(); k++) {
                MemorySegment[] out = k == stages.size() - 1 ? outputs
                        : new MemorySegment[] {block.asSlice((k % 2) * halfBytes, boundaryBytes[k])};
                stages.get(k).execute(in, out, afterStep);
                in = out;
            }
        } finally {
            give(block);
        }
    }

    private MemorySegment take() {
        if (closed) throw new IllegalStateException("plan is closed");
        MemorySegment b = idle.poll();
        if (b != null) {
            idleCount.decrementAndGet();
            return b;
        }
        return NativeMemory.allocate(2 * halfBytes, 64);
    }

    private void give(MemorySegment block) {
        if (!closed && idleCount.incrementAndGet() <= KEPT) {
            idle.add(block);
            if (closed && idle.remove(block)) NativeMemory.free(block); // closed meanwhile
            return;
        }
        if (!closed) idleCount.decrementAndGet();
        NativeMemory.free(block);
    }

    /** Frees the boundary buffers and the stages' plans; no prediction may be running. */
    @Override
    public int boundPrimitives() {
        int n = 0;
        for (Plan p : stages) n += p.boundPrimitives();
        return n;
    }

    @Override
    public void close() {
        closed = true;
        for (MemorySegment b; (b = idle.poll()) != null; ) NativeMemory.free(b);
        for (Plan p : stages) p.close();
    }

    @Override
    public String toString() {
        return "StageSlices" + inputShapes().stream().map(java.util.Arrays::toString).toList() + " by " + sizes;
    }
}
