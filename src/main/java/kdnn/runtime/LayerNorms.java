package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;

/**
 * Layer normalization of a row-major tensor over some of its axes: {@code (x - mean) /
 * sqrt(variance + epsilon) * gamma + beta}, with the mean and population variance of each slice
 * the normalized axes span, as TensorFlow's moments give them, and gamma and beta broadcast over
 * the other axes. Each step is one oneDNN primitive: the mean, the deviations, their squares, the
 * variance, the deviation's scale, then gamma and beta.
 */
public final class LayerNorms {
    private LayerNorms() {
    }

    /**
     * The pipeline for a tensor of {@code dims} normalized over the axes marked in {@code normalized};
     * {@code gamma} and {@code beta} hold a float per element of the normalized axes, row-major (or
     * are null when the layer has none), and outlive it.
     */
    public static Pipeline layerNorm(long[] dims, boolean[] normalized, float epsilon, MemorySegment gamma,
                                     MemorySegment beta) {
        long[] statDims = dims.clone();
        long[] paramDims = dims.clone();
        for (int i = 0; i < dims.length; i++) {
            if (normalized[i]) statDims[i] = 1; else paramDims[i] = 1;
        }
        long slices = 1;
        long count = 1;
        for (long d : statDims) slices *= d;
        for (long d : dims) count *= d;
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc data = b.own(MemoryDesc.rowMajor(dims));
            MemoryDesc perRow = b.own(MemoryDesc.rowMajor(statDims));
            MemoryDesc perColumn = b.own(MemoryDesc.rowMajor(paramDims));
            int mean = b.buffer(slices * Float.BYTES);
            int deviation = b.buffer(slices * Float.BYTES);
            int squares = b.buffer(count * Float.BYTES);
            // mean of each slice
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
