package kdnn.internal.plan;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Consumer;

/**
 * A model compiled for one set of input shapes: its layers' steps ({@link StepPlan}), those of
 * a smaller batch run over the batch in slices ({@link BatchSlices}), or stages of the model each
 * run in slices of its own size ({@link StageSlices}). Immutable; {@link #execute}
 * may run on many threads at once.
 */
public abstract sealed class Plan implements AutoCloseable permits StepPlan, BatchSlices, StageSlices {
    private final List<long[]> inputShapes;
    private final List<long[]> outputShapes;
    // the process's thread count when its last prediction started no parallel region of more than one thread (0: it did,
    // or none ran yet): what one count showed says nothing of another's (a benchmark's kdnn.threads=1, then back)
    private volatile int oneThreadAt;

    Plan(List<long[]> inputShapes, List<long[]> outputShapes) {
        this.inputShapes = inputShapes.stream().map(long[]::clone).toList();
        this.outputShapes = outputShapes.stream().map(long[]::clone).toList();
    }

    /** The input shapes this plan is for. */
    public final List<long[]> inputShapes() {
        return inputShapes.stream().map(long[]::clone).toList();
    }

    /** The output shapes for those inputs. */
    public final List<long[]> outputShapes() {
        return outputShapes.stream().map(long[]::clone).toList();
    }

    /** How many outputs the plan has. */
    public final int outputCount() {
        return outputShapes.size();
    }

    /** True when {@code output} has the shape of output {@code i}; allocates nothing. */
    public final boolean outputFits(int i, kdnn.Tensor output) {
        return output.hasShape(outputShapes.get(i));
    }

    /** True when this plan is for exactly these input tensors' shapes; allocates nothing. */
    public final boolean fits(List<kdnn.Tensor> inputs) {
        if (inputs.size() != inputShapes.size()) return false;
        for (int i = 0; i < inputs.size(); i++) {
            if (!inputs.get(i).hasShape(inputShapes.get(i))) return false;
        }
        return true;
    }

    /** What runs, in order: fused layers, layouts, buffers. */
    public abstract String describe();

    /** The layer steps in order, each named by its layer ("zp folded into conv" where a padding folded). */
    public abstract List<String> stages();

    /** Bytes of the workspace one concurrent prediction uses for intermediate values. */
    public abstract long workspaceBytes();

    /**
     * The sum of the sizes of the values that are neither inputs nor outputs, for the whole batch:
     * what the workspace would be if none shared memory and the batch ran at once.
     */
    public abstract long intermediateBytes();

    /**
     * True when every step takes its primitives by the running thread's
     * {@link kdnn.runtime.Threads#count()}; false when the plan holds pipelines of its own (layout
     * conversions), made with the count in force when it was planned.
     */
    public abstract boolean anyThreadCount();

    /**
     * True unless this plan's last prediction at the process's thread count now started no parallel
     * region of more than one thread (every step small enough for one thread): until then, and for a
     * plan that does start them, a prediction runs on a compute thread, so that OpenMP keeps teams
     * of threads for kdnn's compute threads alone (see {@code Threads.runAdmitted}).
     */
    public final boolean startsTeams() {
        return oneThreadAt != kdnn.runtime.Threads.processCount();
    }

    /** Records whether a prediction of this plan, at the process's count now, started a parallel region of more than one thread. */
    public final void startedTeams(boolean started) {
        int at = started ? 0 : kdnn.runtime.Threads.processCount();
        if (oneThreadAt != at) oneThreadAt = at;
    }

    /**
     * Runs the plan on the inputs' memory into the outputs' (of {@link #outputShapes()}). The
     * caller holds that memory and has been admitted ({@link kdnn.runtime.Threads#enterCall()}).
     */
    public final void execute(MemorySegment[] inputs, MemorySegment[] outputs) {
        execute(inputs, outputs, null);
    }

    /** {@link #execute(MemorySegment[], MemorySegment[])}, handing each step's result to {@code afterStep} once written (null: none). */
    public abstract void execute(MemorySegment[] inputs, MemorySegment[] outputs, Consumer<MemorySegment> afterStep);

    /**
     * How many primitives the idle workspaces' bound steps run as sequences ({@code BoundSteps}),
     * the most of any workspace, summed over the plan's parts; 0 where none is bound. For tests.
     */
    public abstract int boundPrimitives();

    /** Frees the workspaces, the plan's own pipelines and derived layers; no prediction may be running. */
    @Override
    public abstract void close();
}
