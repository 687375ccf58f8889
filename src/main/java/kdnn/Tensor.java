package kdnn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.concurrent.locks.StampedLock;
import kdnn.runtime.NativeMemory;

/**
 * A float32 tensor in 64-byte-aligned native memory, row-major in the order of its shape
 * (Keras' order: batch first, then the axes as the layer's data_format names them).
 *
 * <p>Closing frees the memory at once (large blocks go to a small reuse cache, see
 * {@link NativeMemory}); a tensor a caller forgets is freed by a cleaner. Every
 * method after close throws {@link IllegalStateException}, the shape accessors included; only
 * {@link #close()}, {@link #isClosed()} and {@link #toString()} (which shows the shape) still
 * answer. A layer or model reading or writing a tensor holds it for the call, so closing waits for
 * calls in flight instead of freeing memory under them. The raw {@link #segment()} is valid only
 * while the tensor is open: code that uses it must not close the tensor meanwhile.
 */
public final class Tensor implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final long ALIGNMENT = 64;

    static {
        kdnn.internal.TensorBridge.install(new kdnn.internal.TensorBridge() {
            @Override
            public long hold(Tensor tensor) {
                return tensor.hold();
            }

            @Override
            public void release(Tensor tensor, long stamp) {
                tensor.release(stamp);
            }
        });
    }

    private final long[] shape;
    private final long elements;
    private final MemorySegment data;
    private final State state;
    private final Cleaner.Cleanable cleanable;

    /** The part a cleaner may touch: never the tensor itself. */
    private static final class State implements Runnable {
        final MemorySegment memory;
        final StampedLock lock = new StampedLock();
        volatile boolean closed;

        State(MemorySegment memory) {
            this.memory = memory;
        }

        @Override
        public void run() {
            closed = true;
            NativeMemory.free(memory);
        }
    }

    private Tensor(long[] shape, boolean zero) {
        this.shape = shape.clone();
        this.elements = elementCount(this.shape);
        if (elements > Long.MAX_VALUE / Float.BYTES) {
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " is too large: "
                    + elements + " elements overflow a byte size");
        }
        this.data = NativeMemory.allocate(elements * Float.BYTES, ALIGNMENT);
        this.state = new State(data);
        this.cleanable = CLEANER.register(this, state);
        if (zero) {
            data.fill((byte) 0);
        }
    }

    /** A tensor of zeros. */
    public static Tensor zeros(long... shape) {
        return new Tensor(shape, true);
    }

    /** A tensor whose values are not initialised: for outputs that are about to be written whole. */
    public static Tensor uninitialized(long... shape) {
        return new Tensor(shape, false);
    }

    /** A tensor holding a copy of {@code values} (row-major). */
    public static Tensor of(float[] values, long... shape) {
        Tensor t = new Tensor(shape, false);
        t.copyFrom(values);
        return t;
    }

    /** A tensor holding a copy of {@code values} (row-major); int shape for convenience. */
    public static Tensor of(float[] values, int... shape) {
        return of(values, Arrays.stream(shape).asLongStream().toArray());
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("tensor dimension " + i + " must be >= 0, got " + shape[i]
                        + " in shape " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, shape[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " has more elements than a long holds");
            }
        }
        return n;
    }

    /** The shape, batch first (a copy). */
    public long[] shape() {
        ensureOpen();
        return shape.clone();
    }

    /** True when the shape is {@code shape}; allocates nothing. */
    public boolean hasShape(long[] shape) {
        ensureOpen();
        return Arrays.equals(this.shape, shape);
    }

    /** The number of axes. */
    public int rank() {
        ensureOpen();
        return shape.length;
    }

    /** The length of one axis; a negative axis counts from the end. */
    public long dim(int axis) {
        ensureOpen();
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    /** The number of values: the product of the shape. */
    public long elementCount() {
        ensureOpen();
        return elements;
    }

    /** The native memory; valid until close. */
    public MemorySegment segment() {
        ensureOpen();
        return data;
    }

    /** Whether {@link #close()} has run (answers after close too). */
    public boolean isClosed() {
        return state.closed;
    }

    /** Copies {@code values} in; their length must equal the element count. */
    public void copyFrom(float[] values) {
        long stamp = hold();
        try {
            if (values.length != elements) {
                throw new IllegalArgumentException("values has " + values.length + " elements, expected " + elements
                        + " for shape " + Arrays.toString(shape));
            }
            MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT, 0, values.length);
        } finally {
            release(stamp);
        }
    }

    /** A copy of the values (row-major). */
    public float[] toFloatArray() {
        long stamp = hold();
        try {
            if (elements > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("tensor of " + elements + " elements does not fit a Java array");
            }
            return data.toArray(ValueLayout.JAVA_FLOAT);
        } finally {
            release(stamp);
        }
    }

    /** One value by row-major index. */
    public float get(long index) {
        long stamp = hold();
        try {
            return data.getAtIndex(ValueLayout.JAVA_FLOAT, index);
        } finally {
            release(stamp);
        }
    }

    /**
     * Marks the tensor in use (shared: many holders at once) so {@link #close()} waits until
     * {@link #release(long)}; throws when already closed.
     */
    long hold() {
        long stamp = state.lock.readLock();
        if (state.closed) {
            state.lock.unlockRead(stamp);
            throw new IllegalStateException("tensor " + Arrays.toString(shape) + " is closed");
        }
        return stamp;
    }

    void release(long stamp) {
        try {
            state.lock.unlockRead(stamp);
        } finally {
            // a holder may use only segment() between hold and release; without this fence the JIT
            // may treat the tensor as unreachable during that use and let the cleaner free the memory
            Reference.reachabilityFence(this);
        }
    }

    private void ensureOpen() {
        if (state.closed) {
            throw new IllegalStateException("tensor " + Arrays.toString(shape) + " is closed");
        }
    }

    /** Frees the memory, waiting for layers that hold the tensor. Idempotent. */
    @Override
    public void close() {
        long stamp = state.lock.writeLock();
        try {
            if (!state.closed) {
                cleanable.clean();
            }
        } finally {
            state.lock.unlockWrite(stamp);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (state.closed ? " (closed)" : "");
    }
}
