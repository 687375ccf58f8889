package kdnn.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Native resources made per key (a layer's pipelines per input shape, a model's plans), at most
 * {@code capacity} of them kept. Inputs of ever new shapes would otherwise keep one each until
 * close. A call holds what it runs as a {@link Lease}; the least recently acquired beyond the
 * capacity is dropped and closed when its last holder releases it. Internal, not exported.
 */
public final class LeaseCache<K, V> {
    /** One resource, held by the calls running it. */
    public static final class Lease<K, V> {
        private final K key;
        private final V value;
        private final Consumer<V> close;
        // the calls holding it; -1 once closed
        private final AtomicInteger holders = new AtomicInteger();
        private volatile boolean retired;
        private volatile long used;

        private Lease(K key, V value, Consumer<V> close) {
            this.key = key;
            this.value = value;
            this.close = close;
        }

        /** The key it was made for. */
        public K key() {
            return key;
        }

        /** The resource. */
        public V value() {
            return value;
        }

        /** Holds it for one more call; false when it was closed meanwhile. */
        public boolean acquire() {
            for (;;) {
                int h = holders.get();
                if (h < 0) return false;
                if (holders.compareAndSet(h, h + 1)) return true;
            }
        }

        /** Ends a call's hold; closes it if it was dropped meanwhile and this was its last holder. */
        public void release() {
            if (holders.decrementAndGet() == 0 && retired && holders.compareAndSet(0, -1)) close.accept(value);
        }

        private void retire() {
            retired = true;
            if (holders.compareAndSet(0, -1)) close.accept(value);
        }

        private void closeNow() {
            if (holders.getAndSet(-1) >= 0) close.accept(value);
        }
    }

    private final int capacity;
    private final Consumer<V> close;
    private final ConcurrentHashMap<K, Lease<K, V>> leases = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();
    private volatile Lease<K, V> last;

    /** A cache keeping at most {@code capacity} (at least 2) resources, closing each with {@code close}. */
    public LeaseCache(int capacity, Consumer<V> close) {
        this.capacity = Math.max(2, capacity);
        this.close = close;
    }

    /** The lease acquired last, for the caller's own check of its key without allocating (or null). */
    public Lease<K, V> last() {
        return last;
    }

    /** The resource for {@code key}, made by {@code create} if needed, held until released. */
    public Lease<K, V> acquire(K key, Function<K, V> create) {
        for (;;) {
            Lease<K, V> found = leases.computeIfAbsent(key, k -> new Lease<>(k, create.apply(k), close));
            if (found.acquire()) {
                found.used = clock.incrementAndGet();
                last = found;
                if (leases.size() > capacity) dropBeyondCapacity(found);
                return found;
            }
            leases.remove(key, found); // dropped and closed between the lookup and the hold: make it anew
        }
    }

    private void dropBeyondCapacity(Lease<K, V> keep) {
        while (leases.size() > capacity) {
            Lease<K, V> oldest = null;
            for (Lease<K, V> l : leases.values()) {
                if (l != keep && l != last && (oldest == null || l.used < oldest.used)) oldest = l;
            }
            if (oldest == null) return;
            if (leases.remove(oldest.key, oldest)) oldest.retire();
        }
    }

    /** How many resources are kept. */
    public int size() {
        return leases.size();
    }

    /** Runs {@code action} on each resource kept, held meanwhile. */
    public void forEach(Consumer<V> action) {
        for (Lease<K, V> l : leases.values()) {
            if (l.acquire()) {
                try {
                    action.accept(l.value);
                } finally {
                    l.release();
                }
            }
        }
    }

    /** Closes every resource at once; the caller guarantees no call holds one. */
    public void closeAll() {
        last = null;
        leases.values().forEach(Lease::closeNow);
        leases.clear();
    }
}
