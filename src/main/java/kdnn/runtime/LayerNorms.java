package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;

/**
 * Layer normalization of a row-major tensor seen as {@code rows x length} (the normalized axes
 * end the shape): {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta} per row, with the
 * population variance of the row, as TensorFlow's moments give it. Each step is one oneDNN
 * primitive: the mean, the deviations, their squares, the variance, the deviation's scale, then
 * gamma and beta.
 */
public final class LayerNorms {
    private LayerNorms() {
    }

    /**
     * The pipeline; {@code gamma} and {@code beta} hold {@code length} floats each (or are null
     * when the layer has none) and outlive it.
     */
    public static Pipeline layerNorm(long rows, long length, float epsilon, MemorySegment gamma, MemorySegment beta) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc data = b.own(MemoryDesc.rowMajor(rows, length));
            MemoryDesc perRow = b.own(MemoryDesc.rowMajor(rows, 1));
            MemoryDesc perColumn = b.own(MemoryDesc.rowMajor(1, length));
            int mean = b.buffer(rows * Float.BYTES);
            int deviation = b.buffer(rows * Float.BYTES);
            int squares = b.buffer(rows * length * Float.BYTES);
            // mean of each row
            b.step(reduction(data, perRow), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, mean));
            // x - mean, into the output
            b.step(Merges.binary(dnnl_binary_sub(), data, perRow, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), perRow, mean), Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            // the variance: the mean of the squared deviations
            b.step(Merges.binary(dnnl_binary_mul(), data, data, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.OUTPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), data, Pipeline.OUTPUT), Pipeline.Arg.slot(DNNL_ARG_DST(), data, squares));
            b.step(reduction(data, perRow), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, squares),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, deviation));
            // sqrt(variance + epsilon), in place
            b.step(Eltwises.eltwise(perRow, new Attributes.Eltwise(dnnl_eltwise_linear(), 1f, epsilon)),
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), perRow, deviation), Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, deviation));
            b.step(Eltwises.eltwise(perRow, new Attributes.Eltwise(dnnl_eltwise_sqrt(), 0f, 0f)),
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), perRow, deviation), Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, deviation));
            b.step(Merges.binary(dnnl_binary_div(), data, perRow, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.OUTPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), perRow, deviation), Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            if (gamma != null) {
                b.step(Merges.binary(dnnl_binary_mul(), data, perColumn, data),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.OUTPUT),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), perColumn, gamma),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            }
            if (beta != null) {
                b.step(Merges.binary(dnnl_binary_add(), data, perColumn, data),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.OUTPUT),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), perColumn, beta),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    private static Primitive reduction(MemoryDesc src, MemoryDesc dst) {
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("reduction").word("mean").md(src).md(dst);
            return Primitive.create("dnnl_reduction_primitive_desc_create", replay, (out, a) ->
                    dnnl_reduction_primitive_desc_create(out, Engine.cpu(), dnnl_reduction_mean(), src.handle(),
                            dst.handle(), 0f, 0f, attr.handle()));
        }
    }
}
