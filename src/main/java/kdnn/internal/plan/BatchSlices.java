package kdnn.internal.plan;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * A batch run in slices of a few samples, each through one plan made for that many: a slice's
 * intermediate values stay in the caches from one layer to the next where the whole batch's
 * would not (MobileNetV2's 112x112x96 values hold 4.8 MB per sample, 77 MB at batch 16). The
 * planner slices only models whose every layer treats the samples independently, so the result
 * is the one the whole batch would give, up to the order of rounding in oneDNN's kernels.
 */
public final class BatchSlices extends Plan {
    private final StepPlan slice;  // for `size` samples
    private final StepPlan rest;   // for the last batch % size, or null
    private final int batch;
    private final int size;
    private final long[] inputSampleBytes;
    private final long[] outputSampleBytes;

    BatchSlices(List<long[]> inputShapes, List<long[]> outputShapes, StepPlan slice, StepPlan rest, int size) {
        super(inputShapes, outputShapes);
        this.slice = slice;
        this.rest = rest;
        this.batch = (int) inputShapes.get(0)[0];
        this.size = size;
        this.inputSampleBytes = inputShapes.stream().mapToLong(BatchSlices::sampleBytes).toArray();
        this.outputSampleBytes = outputShapes.stream().mapToLong(BatchSlices::sampleBytes).toArray();
    }

    // model inputs and outputs are float32, batch first
    private static long sampleBytes(long[] shape) {
        long n = Float.BYTES;
        for (int d = 1; d < shape.length; d++) n *= shape[d];
        return n;
    }

    @Override
    public String describe() {
        int whole = batch / size;
        String head = String.format(Locale.ROOT, "batch %d in %d slice%s of %d%s, each running the plan below%n", batch,
                whole, whole == 1 ? "" : "s", size, rest == null ? "" : " and one of " + (batch % size));
        return head + slice.describe() + (rest == null ? "" : "last slice: " + rest.describe());
    }

    @Override
    public List<String> stages() {
        return slice.stages();
    }

    @Override
    public long workspaceBytes() {
        return slice.workspaceBytes() + (rest == null ? 0 : rest.workspaceBytes());
    }

    @Override
    public boolean anyThreadCount() {
        return slice.anyThreadCount() && (rest == null || rest.anyThreadCount());
    }

    @Override
    public long intermediateBytes() {
        return slice.intermediateBytes() / size * batch;
    }

    @Override
    public void execute(MemorySegment[] inputs, MemorySegment[] outputs, java.util.function.Consumer<MemorySegment> afterStep) {
        MemorySegment[] in = new MemorySegment[inputs.length];
        MemorySegment[] out = new MemorySegment[outputs.length];
        for (int first = 0; first < batch; first += size) {
            int n = Math.min(size, batch - first);
            for (int i = 0; i < in.length; i++) {
                in[i] = inputs[i].asSlice(first * inputSampleBytes[i], n * inputSampleBytes[i]);
            }
            for (int i = 0; i < out.length; i++) {
                out[i] = outputs[i].asSlice(first * outputSampleBytes[i], n * outputSampleBytes[i]);
            }
            (n == size ? slice : rest).execute(in, out, afterStep);
        }
    }

    @Override
    public int boundPrimitives() {
        return slice.boundPrimitives() + (rest == null ? 0 : rest.boundPrimitives());
    }

    @Override
    public void close() {
        slice.close();
        if (rest != null) rest.close();
    }

    @Override
    public String toString() {
        return "BatchSlices" + inputShapes().stream().map(java.util.Arrays::toString).toList() + " by " + size;
    }
}
