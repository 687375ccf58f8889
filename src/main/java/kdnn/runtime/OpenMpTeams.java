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

    /**
     * Ends the calling thread's team, if it has one (never call it inside a parallel region); true
     * when OpenMP did. A refusal leaves the team, which only costs speed, so it is not the caller's
     * failure.
     */
    static boolean release() {
        if (PAUSE_ALL == null) return false;
        try {
            return (int) PAUSE_ALL.invokeExact(OMP_PAUSE_SOFT) == 0;
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            return false;
        }
    }
}
