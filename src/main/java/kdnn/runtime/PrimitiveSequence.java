package kdnn.runtime;

import static kdnn.bindings.dnnl_h.dnnl_primitive_execute;
import static kdnn.bindings.dnnl_h.dnnl_stream_wait;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Primitives whose arguments are bound once ({@link Pipeline.Binding}), run in order on one
 * stream, whole or a range at a time: a plan's layers as one loop, as oneDNN's
 * {@code cnn_inference_f32} runs a net. The layers' own calls pay per step for what a standalone
 * call needs (a context from the pool, the pipeline looked up by shape, the memories pointed);
 * this pays it once. One caller at a time; whoever holds the bindings keeps the primitives open.
 */
public final class PrimitiveSequence implements AutoCloseable {
    private final MemorySegment[] primitives;
    private final MemorySegment[] args;
    private final int[] counts;
    private final int[] threads;
    private final MemorySegment stream;
    private boolean closed;

    private PrimitiveSequence(Builder b) {
        int n = b.primitives.size();
        primitives = new MemorySegment[n];
        args = b.args.toArray(MemorySegment[]::new);
        counts = b.counts.stream().mapToInt(Integer::intValue).toArray();
        threads = new int[n];
        for (int i = 0; i < n; i++) {
            primitives[i] = b.primitives.get(i).primitive();
            threads[i] = b.primitives.get(i).threads();
        }
        stream = Dnnl.streamCreate();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How many primitives it runs. */
    public int size() {
        return primitives.length;
    }

    /** Runs the primitives in order, each with the thread count it was created for, then waits for the stream. */
    public void run() {
        run(0, primitives.length);
    }

    /** Runs primitives {@code from} to {@code to} (exclusive) in order, then waits for the stream. */
    public void run(int from, int to) {
        if (closed) throw new IllegalStateException("primitive sequence is closed");
        int current = -1;
        for (int i = from; i < to; i++) {
            if (threads[i] != current) {
                current = threads[i];
                Threads.runWith(current);
            }
            Dnnl.check("dnnl_primitive_execute", dnnl_primitive_execute(primitives[i], stream, counts[i], args[i]));
        }
        Dnnl.check("dnnl_stream_wait", dnnl_stream_wait(stream));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Dnnl.streamDestroy(stream);
    }

    /** Collects primitives with their bound arguments, in the order they run. */
    public static final class Builder {
        private final List<Primitive> primitives = new ArrayList<>();
        private final List<MemorySegment> args = new ArrayList<>();
        private final List<Integer> counts = new ArrayList<>();

        private Builder() {
        }

        void add(Primitive primitive, int count, MemorySegment boundArgs) {
            primitives.add(primitive);
            counts.add(count);
            args.add(boundArgs);
        }

        /** How many primitives were added so far: where the next one will stand. */
        public int size() {
            return primitives.size();
        }

        public PrimitiveSequence build() {
            return new PrimitiveSequence(this);
        }
    }
}
