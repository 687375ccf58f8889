package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code y = ((x op1 c1) op2 c2) ...}: binary operations whose second operands are constants
 * broadcast over the tensor (each a row-major array with the tensor's rank, of length 1 on the
 * axes it repeats along), one oneDNN binary step each, every result rounded to float32 as the
 * separate operations of TensorFlow round it.
 */
public final class Broadcasts {
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
            MemoryDesc data = b.own(MemoryDesc.rowMajor(dims));
            for (int k = 0; k < operations.size(); k++) {
                Operand op = operations.get(k);
                MemoryDesc operand = b.own(MemoryDesc.rowMajor(op.dims()));
                // the first reads the input; the others work in place on the output
                int source = k == 0 ? Pipeline.INPUT : Pipeline.OUTPUT;
                b.step(Merges.binary(op.algorithm(), data, operand, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, source),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), operand, op.values()),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }
}
