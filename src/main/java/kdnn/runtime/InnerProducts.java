package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The pipeline of a dense (fully connected) layer on rows of features: {@code rows x in} times
 * a Keras kernel {@code (in, units)} plus a bias, with fused post-ops and an optional tail
 * (softmax over the units). A 2D input runs oneDNN's {@code inner_product}; the rows of a
 * higher-rank input (Keras' tensordot over the last axis) run {@code matmul}. Either way the
 * kernel is named to oneDNN in Keras' own layout and reordered once into the layout the
 * primitive prefers.
 */
public final class InnerProducts {
    private InnerProducts() {
    }

    /**
     * @param kernel Keras' {@code (in, units)} values, row-major; outlives the pipeline
     * @param bias {@code units} values, or null
     * @param matmul true for {@code matmul}, false for {@code inner_product}
     */
    public static Pipeline dense(long rows, long in, long units, MemorySegment kernel, MemorySegment bias,
                                 List<Attributes.Eltwise> postOps, Convolutions.Tail tail, boolean matmul) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            int fused = Eltwises.fusedInProducts(postOps);
            MemoryDesc dst = appendDense(b, rows, in, units, kernel, bias, postOps.subList(0, fused), matmul,
                    Pipeline.INPUT, Pipeline.OUTPUT);
            Eltwises.appendInPlace(b, rows * units, Pipeline.OUTPUT, postOps.subList(fused, postOps.size()));
            Convolutions.appendTail(b, dst, tail);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * As {@link #dense}, adding the product (after {@code activation}, times {@code summandScale}) to
     * what the output already holds (a residual Add fused as oneDNN's sum post-op), then {@code
     * afterSum}. The activation must run whole as post-ops ({@link #fusesWhole}).
     */
    public static Pipeline denseIntoSum(long rows, long in, long units, MemorySegment kernel, MemorySegment bias,
                                        List<Attributes.Eltwise> activation, float summandScale,
                                        List<Attributes.Eltwise> afterSum, boolean matmul) {
        if (!fusesWhole(activation)) {
            throw new IllegalArgumentException("the activation must run fused before a sum: " + activation);
        }
        Pipeline.Builder b = Pipeline.builder();
        try {
            int fused = Eltwises.fusedInProducts(afterSum);
            List<Attributes.PostOp> post = new java.util.ArrayList<>(activation);
            // a scaled summand rounds before the sum, as TensorFlow rounds it (+ -0 keeps a zero's sign)
            if (summandScale != 1f) post.add(new Attributes.Eltwise(dnnl_eltwise_linear(), summandScale, -0f));
            post.add(new Attributes.Sum(1f));
            post.addAll(afterSum.subList(0, fused));
            appendDense(b, rows, in, units, kernel, bias, post, matmul, Pipeline.INPUT, Pipeline.OUTPUT);
            Eltwises.appendInPlace(b, rows * units, Pipeline.OUTPUT, afterSum.subList(fused, afterSum.size()));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** True when a product runs all of {@code postOps} fused on this CPU (none follows it as its own pass). */
    public static boolean fusesWhole(List<Attributes.Eltwise> postOps) {
        return Eltwises.fusedInProducts(postOps) == postOps.size();
    }

    /**
     * Appends {@code rows x in} (row-major, slot {@code from}) times a Keras kernel {@code (in, units)}
     * plus a bias, with fused post-ops, into {@code rows x units} at slot {@code to}; returns the
     * destination's descriptor.
     */
    static MemoryDesc appendDense(Pipeline.Builder b, long rows, long in, long units, MemorySegment kernel,
                                  MemorySegment bias, List<? extends Attributes.PostOp> postOps, boolean matmul,
                                  int from, int to, Pipeline.Arg... postOpArgs) {
        long[] srcDims = {rows, in};
        long[] dstDims = {rows, units};
        // inner_product's weights are {units, in}; Keras' (in, units) row-major is their "ba"
        long[] weightDims = matmul ? new long[] {in, units} : new long[] {units, in};
        int kerasTag = matmul ? dnnl_ab() : dnnl_ba();
        long[] biasDims = matmul ? new long[] {1, units} : new long[] {units};
        MemoryDesc src = b.own(MemoryDesc.withTag(srcDims, dnnl_f32(), dnnl_ab()));
        MemoryDesc dst = b.own(MemoryDesc.withTag(dstDims, dnnl_f32(), dnnl_ab()));
        MemoryDesc biasMd = bias == null ? null
                : b.own(MemoryDesc.withTag(biasDims, dnnl_f32(), matmul ? dnnl_ab() : dnnl_x()));
        Primitive p;
        try (MemoryDesc anyWeights = MemoryDesc.any(weightDims, dnnl_f32()); Attributes attr = new Attributes(postOps)) {
            Threads.applyToCurrentThread();
            MemorySegment biasHandle = MemoryDesc.nullIfAbsent(biasMd);
            Replay replay = Replay.of(matmul ? "matmul" : "ip").md(src).md(anyWeights).md(biasMd).md(dst)
                    .post(postOps);
            p = matmul
                    ? Primitive.create("dnnl_matmul_primitive_desc_create", replay, (out, a) ->
                            dnnl_matmul_primitive_desc_create(out, Engine.cpu(), src.handle(), anyWeights.handle(),
                                    biasHandle, dst.handle(), attr.handle()))
                    : Primitive.create("dnnl_inner_product_forward_primitive_desc_create", replay, (out, a) ->
                            dnnl_inner_product_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                                    src.handle(), anyWeights.handle(), biasHandle, dst.handle(), attr.handle()));
        }
        b.own(p);
        MemoryDesc packed = p.query(dnnl_query_weights_md(), 0);
        MemoryDesc given = b.own(MemoryDesc.withTag(weightDims, dnnl_f32(), kerasTag));
        MemorySegment weights = kernel;
        if (!given.sameLayout(packed)) {
            // the kernel into the primitive's layout, once (and again after set-weights)
            weights = b.constant(packed.byteSize());
            b.prepareStep(Convolutions.reorder(given, packed), Pipeline.Arg.constant(DNNL_ARG_FROM(), given, kernel),
                    Pipeline.Arg.constant(DNNL_ARG_TO(), packed, weights));
        }
        Pipeline.Arg s = Pipeline.Arg.slot(DNNL_ARG_SRC(), src, from);
        Pipeline.Arg w = Pipeline.Arg.constant(DNNL_ARG_WEIGHTS(), packed, weights);
        Pipeline.Arg d = Pipeline.Arg.slot(DNNL_ARG_DST(), dst, to);
        List<Pipeline.Arg> args = new java.util.ArrayList<>(List.of(s, w, d));
        if (bias != null) args.add(Pipeline.Arg.constant(DNNL_ARG_BIAS(), biasMd, bias));
        args.addAll(List.of(postOpArgs));
        b.step(p, args.toArray(Pipeline.Arg[]::new));
        return dst;
    }
}
