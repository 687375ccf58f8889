package kdnn.internal.plan;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A model compiled for one set of input shapes: its layers' steps ({@link StepPlan}), or those of
 * a smaller batch run over the batch in slices ({@link BatchSlices}). Immutable; {@link #execute}
 * may run on many threads at once.
 */
public sealed interface Plan extends AutoCloseable permits StepPlan, BatchSlices {
    /** The input shapes this plan is for. */
    List<long[]> inputShapes();

    /** The output shapes for those inputs. */
    List<long[]> outputShapes();

    /** True when this plan is for exactly these input tensors' shapes; allocates nothing. */
    boolean fits(List<kdnn.Tensor> inputs);

    /** What runs, in order: fused layers, layouts, buffers. */
    String describe();

    /** The layer steps in order, each named by its layer ("zp folded into conv" where a padding folded). */
    List<String> stages();

    /** Bytes of the workspace one concurrent prediction uses for intermediate values. */
    long workspaceBytes();

    /**
     * The sum of the sizes of the values that are neither inputs nor outputs, for the whole batch:
     * what the workspace would be if none shared memory and the batch ran at once.
     */
    long intermediateBytes();

    /**
     * True when a prediction moves enough data (4 MB of intermediate values) that handing it to
     * a compute thread costs little beside it (see {@code Threads.runAdmitted}).
     */
    default boolean large() {
        return intermediateBytes() >= (4 << 20);
    }

    /**
     * Runs the plan on the inputs' memory into the outputs' (of {@link #outputShapes()}). The
     * caller holds that memory and has been admitted ({@link kdnn.runtime.Threads#enterCall()}).
     */
    void execute(MemorySegment[] inputs, MemorySegment[] outputs);

    /** Frees the workspaces, the plan's own pipelines and derived layers; no prediction may be running. */
    @Override
    void close();
}
