package kdnn.runtime;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Gives the calling thread's OpenMP team back: libgomp's {@code omp_pause_resource_all} (OpenMP
 * 5.0) ends the team's threads, which libgomp otherwise keeps for as long as the thread that
 * started the team lives. Nothing happens where the function is missing (another OpenMP).
 */
final class OpenMpTeams {
    private static final int OMP_PAUSE_SOFT = 1;
    private static final MethodHandle PAUSE_ALL = NativeLibrary.lookup().find("omp_pause_resource_all")
            .map(f -> Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT)))
            .orElse(null);

    private OpenMpTeams() {
    }

    /** Ends the calling thread's team, if it has one; never inside a parallel region. */
    static void release() {
        if (PAUSE_ALL == null) return;
        try {
            int status = (int) PAUSE_ALL.invokeExact(OMP_PAUSE_SOFT);
            if (status != 0) {
                throw new IllegalStateException("omp_pause_resource_all(omp_pause_soft) returned " + status);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
