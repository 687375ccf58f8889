package kdnn.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * libgomp's entry points beside oneDNN: {@code GOMP_parallel} runs an upcall into Java on each thread
 * of the OpenMP team oneDNN's primitives run on (threads that are awake anyway), and each thread asks
 * its number and the team's size. Null handles where the library has no libgomp (another runtime):
 * the callers then run on the calling thread alone.
 */
final class OpenMp {
    /** {@code void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags)}, or null. */
    static final MethodHandle PARALLEL;
    static final MethodHandle THREAD_NUM;
    static final MethodHandle NUM_THREADS;

    static {
        MethodHandle parallel = null, threadNum = null, numThreads = null;
        try {
            var lookup = NativeLibrary.lookup();
            Linker linker = Linker.nativeLinker();
            var fn = lookup.find("GOMP_parallel");
            var tn = lookup.find("omp_get_thread_num");
            var nt = lookup.find("omp_get_num_threads");
            if (fn.isPresent() && tn.isPresent() && nt.isPresent()) {
                parallel = linker.downcallHandle(fn.get(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                threadNum = linker.downcallHandle(tn.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT),
                        Linker.Option.critical(false));
                numThreads = linker.downcallHandle(nt.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT),
                        Linker.Option.critical(false));
            }
        } catch (RuntimeException e) {
            parallel = null;
        }
        PARALLEL = parallel;
        THREAD_NUM = threadNum;
        NUM_THREADS = numThreads;
    }

    private OpenMp() {
    }

    /**
     * An upcall stub to {@code static void name(MemorySegment)} of the class {@code owner} (a lookup of
     * its own, for its private method), or null without libgomp.
     */
    static MemorySegment upcall(MethodHandles.Lookup owner, String name) {
        if (PARALLEL == null) return null;
        try {
            MethodHandle target = owner.findStatic(owner.lookupClass(), name,
                    MethodType.methodType(void.class, MemorySegment.class));
            return Linker.nativeLinker().upcallStub(target, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), Arena.global());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
