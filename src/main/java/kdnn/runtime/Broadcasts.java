package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code y = ((x op1 c1) op2 c2) ...}: binary operations whose second operands are constants
 * broadcast over the tensor (each a row-major array with the tensor's rank, of length 1 on the
 * axes it repeats along), one oneDNN binary step each, every result rounded to float32 as the
 * separate operations of TensorFlow round it.
 *
 * <p>An operand that repeats a short run of values (a Normalization's three channels of an RGB
 * image) is read as that run repeated along a wider row: oneDNN's binary handles a broadcast row of
 * three floats one masked vector at a time (0.54 ms for a 224x224x3 image on two Zen 3 cores,
 * 0.03 ms as rows of 192), and the values each element meets are the same.
 */
public final class Broadcasts {
    // rows as wide as this at most: a few vectors' worth, yet many rows to share among threads
    private static final long WIDE = 256;

    private Broadcasts() {
    }

    /**
     * One operation: {@code dnnl_binary_*} and its operand; {@code values} holds the operand's
     * float32 values and outlives the pipeline (it is read on every call, so changing it in
     * place changes what the pipeline computes).
     */
    public record Operand(int algorithm, long[] dims, MemorySegment values) {
    }

    /** The pipeline over a row-major tensor of {@code dims}. */
    public static Pipeline chain(long[] dims, List<Operand> operations) {
        if (operations.isEmpty()) {
            throw new IllegalArgumentException("no operation to apply");
        }
        Pipeline.Builder b = Pipeline.builder();
        try {
            for (int k = 0; k < operations.size(); k++) {
                Operand op = operations.get(k);
                long[] wide = widened(dims, op.dims());
                MemoryDesc data;
                MemoryDesc operand;
                MemorySegment values;
                if (wide == null) {
                    data = b.own(MemoryDesc.rowMajor(dims));
                    operand = b.own(MemoryDesc.rowMajor(op.dims()));
                    values = op.values();
                } else {
                    long rows = wide[0], repeats = wide[1], run = wide[2];
                    data = b.own(MemoryDesc.rowMajor(rows, repeats * run));
                    operand = b.own(MemoryDesc.rowMajor(1, repeats * run));
                    values = b.constant(repeats * run * Float.BYTES);
                    // the run repeated along the row, again whenever the values change (Pipeline.prepare)
                    MemoryDesc repeated = b.own(MemoryDesc.withStrides(new long[] {repeats, run}, new long[] {0, 1},
                            dnnl_f32()));
                    MemoryDesc row = b.own(MemoryDesc.rowMajor(repeats, run));
                    b.prepareStep(Convolutions.reorder(repeated, row),
                            Pipeline.Arg.constant(DNNL_ARG_FROM(), repeated, op.values()),
                            Pipeline.Arg.constant(DNNL_ARG_TO(), row, values));
                }
                // the first reads the input; the others work in place on the output
                int source = k == 0 ? Pipeline.INPUT : Pipeline.OUTPUT;
                b.step(Merges.binary(op.algorithm(), data, operand, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, source),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), operand, values),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * {@code {rows, repeats, run}} where the operand of {@code operandDims} is one run of values
     * that the tensor of {@code dims} repeats along its leading axes (length 1 there, the tensor's
     * lengths after), short enough that rows of {@code repeats} runs serve better; null otherwise.
     */
    static long[] widened(long[] dims, long[] operandDims) {
        int split = dims.length;
        while (split > 0 && operandDims[split - 1] == dims[split - 1]) split--;
        long run = 1;
        for (int i = split; i < dims.length; i++) run *= dims[i];
        long runs = 1;
        for (int i = 0; i < split; i++) {
            if (operandDims[i] != 1) return null;
            runs *= dims[i];
        }
        // a single value is oneDNN's scalar broadcast, already a fast one; an empty tensor has no rows
        if (run == 1 || 2 * run > WIDE || runs == 0) return null;
        long repeats = 1;
        for (long r = WIDE / run; r > 1; r--) {
            if (runs % r == 0) {
                repeats = r;
                break;
            }
        }
        return repeats == 1 ? null : new long[] {runs / repeats, repeats, run};
    }
}
