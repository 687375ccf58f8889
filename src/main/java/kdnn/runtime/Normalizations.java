package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;

/**
 * The pipelines of batch and group normalization at inference: oneDNN's {@code batch_normalization}
 * with global (given) statistics, and its {@code group_normalization} with each sample's own, both
 * {@code (x - mean) / sqrt(variance + epsilon) * scale + shift} per channel. The caller describes
 * the tensor so that the normalized axis is oneDNN's channel axis.
 */
public final class Normalizations {
    private Normalizations() {
    }

    /**
     * Normalizes a plain tensor of logical {@code dims} (channel axis 1) laid out as {@code tag}.
     * {@code scale} and {@code shift} may be null (then 1 and 0); the four segments hold one float
     * per channel and must outlive the pipeline. {@code relu}: oneDNN's ReLU fused after it.
     */
    public static Pipeline batchNormalization(long[] dims, int tag, float epsilon, MemorySegment scale,
                                              MemorySegment shift, MemorySegment mean, MemorySegment variance, boolean relu) {
        long channels = dims[1];
        int flags = dnnl_use_global_stats() | (scale != null ? dnnl_use_scale() : 0) | (shift != null ? dnnl_use_shift() : 0)
                | (relu ? dnnl_fuse_norm_relu() : 0);
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc data = b.own(MemoryDesc.withTag(dims, dnnl_f32(), tag));
            MemoryDesc perChannel = b.own(MemoryDesc.withTag(new long[] {channels}, dnnl_f32(), dnnl_x()));
            Primitive bn;
            try (Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("bnorm").number(epsilon)
                        .word("global" + (scale != null ? ",scale" : "") + (shift != null ? ",shift" : "")
                                + (relu ? ",relu" : ""))
                        .md(data).md(data);
                bn = Primitive.create("dnnl_batch_normalization_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_batch_normalization_forward_primitive_desc_create(out, Engine.cpu(),
                                dnnl_forward_inference(), data.handle(), data.handle(), epsilon, flags, attr.handle()));
            }
            java.util.List<Pipeline.Arg> args = new java.util.ArrayList<>(java.util.List.of(
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.constant(DNNL_ARG_MEAN(), perChannel, mean),
                    Pipeline.Arg.constant(DNNL_ARG_VARIANCE(), perChannel, variance),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT)));
            if (scale != null) args.add(Pipeline.Arg.constant(DNNL_ARG_SCALE(), perChannel, scale));
            if (shift != null) args.add(Pipeline.Arg.constant(DNNL_ARG_SHIFT(), perChannel, shift));
            b.step(bn, args.toArray(Pipeline.Arg[]::new));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Normalizes each sample's groups of {@code groups} consecutive channels by the group's own mean
     * and population variance: a tensor of logical {@code dims} (channel axis 1, at least 3 axes)
     * with {@code strides}. {@code scale} and {@code shift} (or null) hold one float per channel and
     * must outlive the pipeline.
     */
    public static Pipeline groupNormalization(long[] dims, long[] strides, long groups, float epsilon,
                                              MemorySegment scale, MemorySegment shift) {
        long channels = dims[1];
        int flags = (scale != null ? dnnl_use_scale() : 0) | (shift != null ? dnnl_use_shift() : 0);
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc data = b.own(MemoryDesc.withStrides(dims, strides, dnnl_f32()));
            MemoryDesc perChannel = b.own(MemoryDesc.withTag(new long[] {channels}, dnnl_f32(), dnnl_x()));
            Primitive gn;
            try (Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("gnorm").number(groups).number(epsilon)
                        .word("stats" + (scale != null ? ",scale" : "") + (shift != null ? ",shift" : ""))
                        .md(data).md(data);
                // forward_inference computes each group's statistics and keeps them to itself
                gn = Primitive.create("dnnl_group_normalization_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_group_normalization_forward_primitive_desc_create(out, Engine.cpu(),
                                dnnl_forward_inference(), data.handle(), data.handle(), groups, epsilon, flags, attr.handle()));
            }
            java.util.List<Pipeline.Arg> args = new java.util.ArrayList<>(java.util.List.of(
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT)));
            if (scale != null) args.add(Pipeline.Arg.constant(DNNL_ARG_SCALE(), perChannel, scale));
            if (shift != null) args.add(Pipeline.Arg.constant(DNNL_ARG_SHIFT(), perChannel, shift));
            b.step(gn, args.toArray(Pipeline.Arg[]::new));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Layer normalization of a row-major {@code rows x length} tensor, each row by its own mean and
     * population variance: oneDNN's {@code layer_normalization}, one pass. {@code scale} and
     * {@code shift} (or null) hold {@code length} floats and must outlive the pipeline.
     */
    public static Pipeline layerNormalization(long rows, long length, float epsilon, MemorySegment scale,
                                              MemorySegment shift) {
        int flags = (scale != null ? dnnl_use_scale() : 0) | (shift != null ? dnnl_use_shift() : 0);
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc data = b.own(MemoryDesc.rowMajor(rows, length));
            MemoryDesc perColumn = b.own(MemoryDesc.withTag(new long[] {length}, dnnl_f32(), dnnl_x()));
            Primitive ln;
            try (Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("lnorm").number(epsilon)
                        .word("stats" + (scale != null ? ",scale" : "") + (shift != null ? ",shift" : ""))
                        .md(data).md(data);
                // forward_inference computes each row's statistics and keeps them to itself
                ln = Primitive.create("dnnl_layer_normalization_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_layer_normalization_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                                data.handle(), data.handle(), MemorySegment.NULL, epsilon, flags, attr.handle()));
            }
            java.util.List<Pipeline.Arg> args = new java.util.ArrayList<>(java.util.List.of(
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT)));
            if (scale != null) args.add(Pipeline.Arg.constant(DNNL_ARG_SCALE(), perColumn, scale));
            if (shift != null) args.add(Pipeline.Arg.constant(DNNL_ARG_SHIFT(), perColumn, shift));
            b.step(ln, args.toArray(Pipeline.Arg[]::new));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }
}
