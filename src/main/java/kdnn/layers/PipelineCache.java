package kdnn.layers;

import java.util.Arrays;
import java.util.function.Function;
import kdnn.internal.LeaseCache;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Threads;

/**
 * A layer's pipelines, one per input shape and thread count, created on first use and reused.
 * The last one used is checked first, without allocating. At most {@link #CAPACITY} are kept (see
 * {@link LeaseCache}): a call holds its pipeline as a lease for the time it runs.
 */
final class PipelineCache implements AutoCloseable {
    /** Pipelines kept per layer ({@code -Dkdnn.pipelineCache}, at least 2). */
    static final int CAPACITY = Math.max(2, Integer.getInteger("kdnn.pipelineCache", 32));

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

    /** A pipeline held for one call: run it, then release it. */
    static final class Lease {
        private final LeaseCache.Lease<Key, Pipeline> held;

        private Lease(LeaseCache.Lease<Key, Pipeline> held) {
            this.held = held;
        }

        Pipeline pipeline() {
            return held.value();
        }

        void release() {
            held.release();
        }

        /** The cache's lease itself, for a holder that keeps the pipeline beyond one call (release it once). */
        LeaseCache.Lease<Key, Pipeline> held() {
            return held;
        }
    }

    private final LeaseCache<Key, Pipeline> pipelines = new LeaseCache<>(CAPACITY, Pipeline::close);
    private volatile Lease last;

    /** The pipeline for this input shape with primitives of {@code threads} threads, held until released. */
    Lease acquire(long[] inputShape, int threads, Function<long[], Pipeline> create) {
        Lease l = last;
        if (l != null && l.held.key().threads == threads && Arrays.equals(l.held.key().shape, inputShape)
                && l.held.acquire()) {
            return l;
        }
        LeaseCache.Lease<Key, Pipeline> held = pipelines.acquire(new Key(inputShape.clone(), threads),
                k -> Threads.creatingWith(k.threads, () -> create.apply(k.shape)));
        Lease made = new Lease(held);
        last = made;
        return made;
    }

    /** How many pipelines are kept, for tests. */
    int size() {
        return pipelines.size();
    }

    /** Re-runs every pipeline's one-time steps (weights changed; no call is running). */
    void prepareAll() {
        pipelines.forEach(Pipeline::prepare);
    }

    /** Drops every pipeline; the caller guarantees no call is running. */
    @Override
    public void close() {
        last = null;
        pipelines.closeAll();
    }
}
