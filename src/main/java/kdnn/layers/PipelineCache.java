package kdnn.layers;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Threads;

/**
 * A layer's pipelines, one per input shape and thread count, created on first use and reused.
 * The last one used is checked first, without allocating. At most {@link #CAPACITY} are kept: a
 * model fed inputs of ever new lengths (open input lengths, batch sizes) would otherwise hold
 * primitives for each. The least recently used one beyond that is closed once no call runs it; a
 * call holds its pipeline as a {@link Lease} for the time it runs.
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

    /** A pipeline held for one call: run it, then {@link #release()} it. */
    static final class Lease {
        private final Key key;
        private final Pipeline pipeline;
        // the calls running it; -1 once closed
        private final AtomicInteger users = new AtomicInteger();
        private volatile boolean retired;
        private volatile long used;

        private Lease(Key key, Pipeline pipeline) {
            this.key = key;
            this.pipeline = pipeline;
        }

        Pipeline pipeline() {
            return pipeline;
        }

        private boolean acquire() {
            for (;;) {
                int u = users.get();
                if (u < 0) return false;
                if (users.compareAndSet(u, u + 1)) return true;
            }
        }

        /** Ends the call; closes the pipeline if it was evicted meanwhile and this was its last call. */
        void release() {
            if (users.decrementAndGet() == 0 && retired && users.compareAndSet(0, -1)) pipeline.close();
        }

        /** Evicted: closed now if idle, else by the last call's release. */
        private void retire() {
            retired = true;
            if (users.compareAndSet(0, -1)) pipeline.close();
        }
    }

    private final ConcurrentHashMap<Key, Lease> leases = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();
    private volatile Lease last;

    /** The pipeline for this input shape with primitives of {@code threads} threads, held until released. */
    Lease acquire(long[] inputShape, int threads, Function<long[], Pipeline> create) {
        Lease l = last;
        if (l != null && l.key.threads == threads && Arrays.equals(l.key.shape, inputShape) && l.acquire()) {
            return l;
        }
        Key key = new Key(inputShape.clone(), threads);
        for (;;) {
            Lease found = leases.computeIfAbsent(key, k -> new Lease(k, Threads.creatingWith(threads,
                    () -> create.apply(k.shape))));
            if (found.acquire()) {
                found.used = clock.incrementAndGet();
                last = found;
                if (leases.size() > CAPACITY) evictBeyondCapacity(found);
                return found;
            }
            leases.remove(key, found); // evicted and closed between the lookup and the hold: make it anew
        }
    }

    private void evictBeyondCapacity(Lease keep) {
        while (leases.size() > CAPACITY) {
            Lease oldest = null;
            for (Lease l : leases.values()) {
                if (l != keep && l != last && (oldest == null || l.used < oldest.used)) oldest = l;
            }
            if (oldest == null) return;
            if (leases.remove(oldest.key, oldest)) oldest.retire();
        }
    }

    /** How many pipelines are kept, for tests. */
    int size() {
        return leases.size();
    }

    /** Re-runs every pipeline's one-time steps (weights changed; no call is running). */
    void prepareAll() {
        for (Lease l : leases.values()) {
            if (l.acquire()) {
                try {
                    l.pipeline.prepare();
                } finally {
                    l.release();
                }
            }
        }
    }

    /** Drops every pipeline; the caller guarantees no call is running. */
    @Override
    public void close() {
        last = null;
        for (Lease l : leases.values()) {
            if (l.users.getAndSet(-1) >= 0) l.pipeline.close();
        }
        leases.clear();
    }
}
