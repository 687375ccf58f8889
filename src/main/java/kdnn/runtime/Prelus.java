package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;

/**
 * The PReLU pipeline: {@code x > 0 ? x : alpha * x} with {@code alpha} broadcast along the axes
 * where its dims are 1. Alpha is read in its own row-major layout, reordered once into the layout
 * the primitive prefers (and again after set-weights).
 */
public final class Prelus {
    private Prelus() {
    }

    /**
     * A row-major tensor of {@code dims}; {@code alphaDims} has the same rank, each dim equal to
     * the tensor's or 1; {@code alpha} holds its values and outlives the pipeline.
     */
    public static Pipeline prelu(long[] dims, long[] alphaDims, MemorySegment alpha) {
        // oneDNN's fast prelu broadcasts one channel axis; alpha's axes that are not 1, when
        // adjacent, are that axis of a (before, alpha, after) view of the same row-major memory
        int first = -1;
        int last = -1;
        for (int a = 0; a < dims.length; a++) {
            if (alphaDims[a] != 1) {
                if (first < 0) first = a;
                last = a;
            }
        }
        boolean adjacent = true;
        for (int a = first + 1; first >= 0 && a < last; a++) adjacent &= alphaDims[a] != 1;
        if (adjacent) {
            long before = 1;
            long channels = 1;
            long after = 1;
            for (int a = 0; a < dims.length; a++) {
                if (first >= 0 && a < first) before *= dims[a];
                else if (first >= 0 && a <= last) channels *= dims[a];
                else after *= dims[a];
            }
            dims = new long[] {before, channels, after};
            alphaDims = new long[] {1, channels, 1};
        }
        return build(dims, alphaDims, alpha);
    }

    private static Pipeline build(long[] dims, long[] alphaDims, MemorySegment alpha) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc data = b.own(MemoryDesc.rowMajor(dims));
            MemoryDesc given = b.own(MemoryDesc.rowMajor(alphaDims));
            Primitive prelu;
            try (MemoryDesc any = MemoryDesc.any(alphaDims, dnnl_f32()); Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("prelu").md(data).md(any).md(data);
                prelu = b.own(Primitive.create("dnnl_prelu_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_prelu_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                                data.handle(), any.handle(), data.handle(), attr.handle())));
            }
            MemoryDesc packed = prelu.query(dnnl_query_weights_md(), 0);
            MemorySegment weights = alpha;
            if (!given.sameLayout(packed)) {
                weights = b.constant(packed.byteSize());
                b.prepareStep(Convolutions.reorder(given, packed), Pipeline.Arg.constant(DNNL_ARG_FROM(), given, alpha),
                        Pipeline.Arg.constant(DNNL_ARG_TO(), packed, weights));
            }
            b.step(prelu, Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.constant(DNNL_ARG_WEIGHTS(), packed, weights),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }
}
