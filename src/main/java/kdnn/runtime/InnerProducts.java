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
            int split = fusedCount(postOps);
            MemoryDesc dst = appendDense(b, rows, in, units, kernel, bias, postOps.subList(0, split), matmul,
                    Pipeline.INPUT, Pipeline.OUTPUT);
            if (split < postOps.size()) {
                // the rest as eltwise primitives over the result, in place: the same functions, at their own speed
                MemoryDesc flat = b.own(MemoryDesc.rowMajor(rows * units));
                for (Attributes.Eltwise f : postOps.subList(split, postOps.size())) {
                    b.step(Eltwises.eltwise(flat, f), Pipeline.Arg.slot(DNNL_ARG_SRC(), flat, Pipeline.OUTPUT),
                            Pipeline.Arg.slot(DNNL_ARG_DST(), flat, Pipeline.OUTPUT));
                }
            }
            Convolutions.appendTail(b, dst, tail);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    // oneDNN's brgemm kernels on AVX2 (16 vector registers) slow down by more than the function's own
    // pass with these fused (a 196x384 by 384x1536 matmul on two Zen 3 cores: 1.53 ms plain, 2.19 with
    // gelu_erf fused, 1.66 with it as a separate eltwise; swish, tanh, gelu_tanh and soft_relu alike;
    // logistic, elu, exp and mish fused cost nothing extra)
    private static final boolean AVX2_AT_MOST =
            (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core()) != dnnl_cpu_isa_avx512_core();
    private static final java.util.Set<Integer> SLOW_FUSED = java.util.Set.of(dnnl_eltwise_swish(),
            dnnl_eltwise_tanh(), dnnl_eltwise_gelu_erf(), dnnl_eltwise_gelu_tanh(), dnnl_eltwise_soft_relu());

    /** How many of {@code postOps}, from the first, the product runs fused; the others follow it as eltwise primitives. */
    static int fusedCount(List<Attributes.Eltwise> postOps) {
        if (!AVX2_AT_MOST) return postOps.size();
        for (int i = 0; i < postOps.size(); i++) {
            if (SLOW_FUSED.contains(postOps.get(i).algorithm())) return i;
        }
        return postOps.size();
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
