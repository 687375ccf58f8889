package kdnn.runtime;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * What one call executes, step by step, for the benchmarks' C floor: each primitive's
 * {@link Primitive#replay()} line, oneDNN's implementation, and where each argument's data was
 * (so a replay can share buffers exactly as the call did), and each step run in Java. Off unless
 * {@link #record} runs: a pipeline reads one volatile field per call to find out.
 */
public final class ExecutionTrace {
    /** One execution argument: bench_conv's name for it, the data's address, and the bytes its layout may touch. */
    public record Arg(String name, long address, long bytes) {
    }

    /**
     * One step: a primitive ({@code replay} non-null; {@code ompThreads} is what OpenMP gave a
     * parallel region on the calling thread when it ran), or a Java step ({@code replay} null,
     * {@code kind} says what it did; {@code args} the data it read, for a step outside a pipeline).
     */
    public record Step(String kind, String replay, String implementation, List<Arg> args, int ompThreads) {
        public boolean java() {
            return replay == null;
        }
    }

    private static volatile ExecutionTrace active;

    // the thread whose steps are recorded: the caller's, or the compute thread running its call
    private volatile Thread owner = Thread.currentThread();
    private final List<Step> steps = new ArrayList<>();

    private ExecutionTrace() {
    }

    /** Runs {@code call} and returns the steps it executed on this thread, in order; one trace at a time. */
    public static synchronized List<Step> record(Runnable call) {
        ExecutionTrace t = new ExecutionTrace();
        active = t;
        try {
            call.run();
        } finally {
            active = null;
        }
        return List.copyOf(t.steps);
    }

    /** True while this thread's calls are being recorded. */
    public static boolean recording() {
        return active() != null;
    }

    /** The trace recording on this thread, or null (the usual case). */
    static ExecutionTrace active() {
        ExecutionTrace t = active;
        return t != null && t.owner == Thread.currentThread() ? t : null;
    }

    /** Records the steps {@code thread} runs from now on (a compute thread running the caller's call), until moved back. */
    void moveTo(Thread thread) {
        owner = thread;
    }

    void primitive(Primitive p, List<Arg> args) {
        steps.add(new Step(p.kind(), p.replay(), p.implementation(), List.copyOf(args), Threads.openMpMaxThreads()));
    }

    void java(String what) {
        steps.add(new Step(what, null, "java", List.of(), 0));
    }

    void java(String what, MemorySegment data) {
        steps.add(new Step(what + " (" + data.byteSize() + " bytes)", null, "java",
                List.of(new Arg("src", data.address(), data.byteSize())), 0));
    }

    /**
     * Notes a step that reads {@code data} and is no oneDNN primitive and runs outside any pipeline
     * (a plan's copy, the input scan of the keras mode), when a trace is recording on this thread.
     */
    public static void javaStep(String what, MemorySegment data) {
        ExecutionTrace t = active();
        if (t != null) t.java(what, data);
    }
}
