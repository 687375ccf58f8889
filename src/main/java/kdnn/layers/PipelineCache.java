package kdnn.layers;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Threads;

/**
 * A layer's pipelines, one per input shape and thread count, created on first use and reused.
 * The last one used is checked first, without allocating.
 */
final class PipelineCache implements AutoCloseable {
    private record Key(long[] shape, int threads) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && threads == k.threads && Arrays.equals(shape, k.shape);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(shape) * 31 + threads;
        }
    }

    private record Entry(long[] shape, int threads, Pipeline pipeline) {
    }

    private final ConcurrentHashMap<Key, Pipeline> pipelines = new ConcurrentHashMap<>();
    private volatile Entry last;

    /** The pipeline for this input shape with primitives of {@code threads} threads. */
    Pipeline get(long[] inputShape, int threads, Function<long[], Pipeline> create) {
        Entry e = last;
        if (e != null && e.threads == threads && Arrays.equals(e.shape, inputShape)) {
            return e.pipeline;
        }
        Key key = new Key(inputShape.clone(), threads);
        Pipeline p = pipelines.computeIfAbsent(key, k -> Threads.creatingWith(threads, () -> create.apply(k.shape)));
        last = new Entry(key.shape, threads, p);
        return p;
    }

    /** Re-runs every pipeline's one-time steps (weights changed). */
    void prepareAll() {
        pipelines.values().forEach(Pipeline::prepare);
    }

    /** Drops every pipeline; the caller guarantees no call is running. */
    @Override
    public void close() {
        last = null;
        pipelines.values().forEach(Pipeline::close);
        pipelines.clear();
    }
}
