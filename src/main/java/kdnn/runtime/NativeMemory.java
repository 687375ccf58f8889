package kdnn.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Aligned native memory from the C allocator, freed explicitly. Tensors use it instead of a
 * shared {@link Arena}: closing a shared arena costs a handshake with every JVM thread (about
 * 50 us here), far more than a small convolution.
 */
public final class NativeMemory {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle POSIX_MEMALIGN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("posix_memalign").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS),
            Linker.Option.critical(false));

    private NativeMemory() {
    }

    /** {@code bytes} (at least 1) aligned to {@code alignment}; not initialised. */
    public static MemorySegment allocate(long bytes, long alignment) {
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
        try {
            FREE.invokeExact(memory);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
