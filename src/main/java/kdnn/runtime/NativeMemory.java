package kdnn.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Aligned native memory from the C allocator, freed explicitly. Tensors use it instead of a
 * shared {@link Arena}: closing a shared arena costs a handshake with every JVM thread (about
 * 50 us here), far more than a small convolution.
 *
 * <p>Large blocks (1 MiB and more) that are freed go to a small reuse cache instead of back to
 * the C allocator, which returns them to the system: fresh pages fault on first touch, which
 * added about 20% to a call that returns a new 12 MiB tensor. The cache holds at most
 * {@link #CACHE_SLOTS} blocks and {@link #CACHE_BYTES} bytes, the most recently freed ones (a
 * new block replaces an old one in turn); taking and returning a block allocates nothing.
 */
public final class NativeMemory {
    static final int CACHE_SLOTS = 8;
    static final long CACHE_BYTES = 256L << 20;
    private static final long CACHE_MIN_BYTES = 1L << 20;
    private static final AtomicReferenceArray<MemorySegment> CACHE = new AtomicReferenceArray<>(CACHE_SLOTS);
    private static final AtomicLong CACHED = new AtomicLong();
    private static final AtomicLong NEXT_EVICTED = new AtomicLong();

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle POSIX_MEMALIGN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("posix_memalign").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS),
            Linker.Option.critical(false));

    private NativeMemory() {
    }

    /** {@code bytes} (at least 1) aligned to {@code alignment} (at most 64); not initialised. */
    public static MemorySegment allocate(long bytes, long alignment) {
        if (bytes >= CACHE_MIN_BYTES) {
            for (int i = 0; i < CACHE_SLOTS; i++) {
                MemorySegment m = CACHE.get(i);
                if (m != null && m.byteSize() == bytes && CACHE.compareAndSet(i, m, null)) {
                    CACHED.addAndGet(-bytes);
                    return m;
                }
            }
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            int rc = (int) POSIX_MEMALIGN.invokeExact(out, alignment, Math.max(bytes, 1));
            if (rc != 0) {
                throw new OutOfMemoryError("posix_memalign of " + bytes + " bytes failed (error " + rc + ")");
            }
            return out.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Returns memory from {@link #allocate}; exactly once. */
    public static void free(MemorySegment memory) {
        long bytes = memory.byteSize();
        if (bytes < CACHE_MIN_BYTES || bytes > CACHE_BYTES) {
            release(memory);
            return;
        }
        // the newest block takes a slot: an empty one, else the next in turn, whose block goes (a
        // server that moved on to other shapes must not keep blocks nobody asks for any more)
        int slot = -1;
        for (int i = 0; i < CACHE_SLOTS && slot < 0; i++) {
            if (CACHE.get(i) == null && CACHE.compareAndSet(i, null, memory)) slot = i;
        }
        if (slot < 0) {
            slot = (int) Math.floorMod(NEXT_EVICTED.getAndIncrement(), (long) CACHE_SLOTS);
            MemorySegment old = CACHE.getAndSet(slot, memory);
            if (old != null) {
                CACHED.addAndGet(-old.byteSize());
                release(old);
            }
        }
        CACHED.addAndGet(bytes);
        // within budget: other blocks go first, oldest slot order
        for (int i = 0; i < CACHE_SLOTS && CACHED.get() > CACHE_BYTES; i++) {
            if (i == slot) continue;
            MemorySegment old = CACHE.getAndSet(i, null);
            if (old != null) {
                CACHED.addAndGet(-old.byteSize());
                release(old);
            }
        }
    }

    /** Bytes held in the reuse cache now. */
    static long cachedBytes() {
        return CACHED.get();
    }

    private static void release(MemorySegment memory) {
        try {
            FREE.invokeExact(memory);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
