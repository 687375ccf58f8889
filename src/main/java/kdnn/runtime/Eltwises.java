package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Pipelines of element-wise functions over {@code count} float32 values. Each output depends only
 * on the input at the same position, so the values are seen as one flat run: any memory order of
 * the tensor gives the same result.
 */
public final class Eltwises {
    private Eltwises() {
    }

    /**
     * {@code y = f_k(... f_1(x))}, one eltwise primitive per function (the first from the input to
     * the output, the others in place), then {@code javaOperation} on the output (or null). No
     * function is a copy.
     */
    public static Pipeline chain(long count, List<Attributes.Eltwise> functions, Pipeline.SlotOperation javaOperation) {
        return chain(count, functions, javaOperation, null);
    }

    /**
     * {@link #chain(long, List, Pipeline.SlotOperation)}, then {@code fixUp} reading the input and
     * writing the output (or null): for the inputs where oneDNN's function departs from the exact one.
     */
    public static Pipeline chain(long count, List<Attributes.Eltwise> functions, Pipeline.SlotOperation javaOperation,
                                 Pipeline.SlotTransfer fixUp) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc md = b.own(MemoryDesc.rowMajor(count));
            if (functions.isEmpty()) {
                b.step(Convolutions.reorder(md, md), Pipeline.Arg.slot(DNNL_ARG_FROM(), md, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), md, Pipeline.OUTPUT));
            }
            int from = Pipeline.INPUT;
            for (Attributes.Eltwise f : functions) {
                b.step(eltwise(md, f), Pipeline.Arg.slot(DNNL_ARG_SRC(), md, from),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), md, Pipeline.OUTPUT));
                from = Pipeline.OUTPUT;
            }
            if (javaOperation != null) {
                b.javaStep(Pipeline.OUTPUT, javaOperation);
            }
            if (fixUp != null) {
                b.javaStep(Pipeline.INPUT, Pipeline.OUTPUT, fixUp);
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Keras' own formula {@code x * (x > threshold)}, clipped to {@code [0, maxValue]} when
     * {@code maxValue} is not NaN, then minus {@code slope * relu(threshold - x)} when the slope is
     * not 0: tf-keras' {@code backend.relu} for a threshold other than 0 (ThresholdedReLU is the
     * first part alone). The positive branch keeps {@code x} itself, which no chain of eltwise
     * functions of {@code x - threshold} does exactly. Two binary primitives: a comparison
     * multiplied by the input, then the negative part accumulated onto it.
     */
    public static Pipeline thresholded(long count, float threshold, float maxValue, float slope) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc md = b.own(MemoryDesc.rowMajor(count));
            MemoryDesc scalar = b.own(MemoryDesc.rowMajor(1));
            MemorySegment t = b.constant(Float.BYTES);
            t.set(ValueLayout.JAVA_FLOAT, 0, threshold);
            Pipeline.Arg x = Pipeline.Arg.slot(DNNL_ARG_SRC(), md, Pipeline.INPUT);
            Pipeline.Arg th = Pipeline.Arg.constant(DNNL_ARG_SRC_1(), scalar, t);
            Pipeline.Arg y = Pipeline.Arg.slot(DNNL_ARG_DST(), md, Pipeline.OUTPUT);
            List<Attributes.PostOp> positive = new ArrayList<>();
            positive.add(new Attributes.Binary(dnnl_binary_mul(), md));
            if (!Float.isNaN(maxValue)) {
                positive.add(new Attributes.Eltwise(dnnl_eltwise_clip_v2(), 0f, maxValue));
            }
            b.step(binary(dnnl_binary_gt(), md, scalar, positive), x, th, y,
                    Pipeline.Arg.slot(Attributes.binaryArg(0), md, Pipeline.INPUT));
            if (slope != 0f) {
                // (x - t) negated is t - x exactly; relu; times -slope; plus the positive part
                List<Attributes.PostOp> negative = List.of(new Attributes.Eltwise(dnnl_eltwise_linear(), -1f, 0f),
                        new Attributes.Eltwise(dnnl_eltwise_relu(), 0f, 0f),
                        new Attributes.Eltwise(dnnl_eltwise_linear(), -slope, 0f), new Attributes.Sum(1f));
                b.step(binary(dnnl_binary_sub(), md, scalar, negative), x, th, y);
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * tf.keras' hard swish, {@code x * (relu6(x + 3) * (1 / 6))} (MobileNetV3's four layers), as one
     * binary primitive: x + 3, then clip to [0, 6], the product with 1/6 (plus -0, which keeps
     * every value) and the product with x as post-ops, each rounded to float32 as TensorFlow's
     * separate operations round it. NaN and infinities come out as Keras' own: a NaN x makes
     * 0 * NaN, -inf makes 0 * -inf (NaN), +inf makes 1 * inf.
     */
    public static Pipeline hardSwish(long count) {
        return withScalar(count, dnnl_binary_add(), 3f, md -> List.of(new Attributes.Eltwise(dnnl_eltwise_clip_v2(), 0f, 6f),
                new Attributes.Eltwise(dnnl_eltwise_linear(), 1f / 6, -0f), new Attributes.Binary(dnnl_binary_mul(), md)));
    }

    /**
     * {@code x * scale + offset} with the product rounded to float32 before the sum, as
     * TensorFlow's separate multiply and add round it (oneDNN's linear function is one fused
     * multiply-add): one binary primitive, the product by a scalar with the sum as its post-op.
     */
    public static Pipeline scaleThenAdd(long count, float scale, float offset) {
        return withScalar(count, dnnl_binary_mul(), scale, md -> List.of(new Attributes.Eltwise(dnnl_eltwise_linear(), 1f, offset)));
    }

    /**
     * tf.keras' hard sigmoid as MobileNetV3 writes it, {@code relu6(x + 3) * factor} (factor the
     * float32 1/6, then {@code + 0.0} where {@code plusZero}: a Rescaling's +0 offset, which turns
     * -0 into +0), as one binary primitive: x + 3, then the clip to [0, 6], the product (plus -0,
     * which keeps every value) and the sum as post-ops, each rounded to float32 as the separate
     * steps round it. oneDNN's clip gives 0 for NaN, as the ReLU(6) step alone does.
     */
    public static Pipeline hardSigmoid(long count, float factor, boolean plusZero) {
        List<Attributes.PostOp> rest = new ArrayList<>(List.of(new Attributes.Eltwise(dnnl_eltwise_clip_v2(), 0f, 6f),
                new Attributes.Eltwise(dnnl_eltwise_linear(), factor, -0f)));
        if (plusZero) rest.add(new Attributes.Eltwise(dnnl_eltwise_linear(), 1f, 0f));
        return withScalar(count, dnnl_binary_add(), 3f, md -> rest);
    }

    /**
     * One binary primitive over {@code count} values: {@code algorithm} with the float32 scalar
     * {@code value}, then the post-ops {@code postOps} makes for the values' descriptor; a binary
     * post-op among them (the last, at most one) takes the input itself as its operand.
     */
    private static Pipeline withScalar(long count, int algorithm, float value,
                                       java.util.function.Function<MemoryDesc, List<Attributes.PostOp>> postOps) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc md = b.own(MemoryDesc.rowMajor(count));
            MemoryDesc scalar = b.own(MemoryDesc.rowMajor(1));
            MemorySegment constant = b.constant(Float.BYTES);
            constant.set(ValueLayout.JAVA_FLOAT, 0, value);
            List<Attributes.PostOp> ops = postOps.apply(md);
            List<Pipeline.Arg> args = new ArrayList<>(List.of(Pipeline.Arg.slot(DNNL_ARG_SRC(), md, Pipeline.INPUT),
                    Pipeline.Arg.constant(DNNL_ARG_SRC_1(), scalar, constant),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), md, Pipeline.OUTPUT)));
            if (ops.get(ops.size() - 1) instanceof Attributes.Binary) {
                args.add(Pipeline.Arg.slot(Attributes.binaryArg(ops.size() - 1), md, Pipeline.INPUT));
            }
            b.step(binary(algorithm, md, scalar, ops), args.toArray(Pipeline.Arg[]::new));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Runs {@code slice} over {@code data} (float32 values) in parts of whole cache lines, on the
     * OpenMP team where the buffer is large ({@link TeamLoop}); for element-wise Java functions,
     * whose parts write only their own values.
     */
    public static void inParts(MemorySegment data, java.util.function.Consumer<MemorySegment> slice) {
        long n = data.byteSize() / Float.BYTES;
        int lines = (int) Math.min((n + 15) / 16, Integer.MAX_VALUE);
        TeamLoop.run(n, 64, (part, parts) -> {
            long from = Math.min(n, 16L * TeamLoop.from(part, parts, lines));
            long to = Math.min(n, 16L * TeamLoop.from(part + 1, parts, lines));
            if (to > from) slice.accept(data.asSlice(from * Float.BYTES, (to - from) * Float.BYTES));
        });
    }

    // oneDNN's brgemm kernels on AVX2 (16 vector registers) slow down by more than the function's own
    // pass with these fused (a 196x384 by 384x1536 matmul on two Zen 3 cores: 1.53 ms plain, 2.19 with
    // gelu_erf fused, 1.66 with it as a separate eltwise; swish, tanh, gelu_tanh and soft_relu alike;
    // logistic, elu, exp and mish fused cost nothing extra; convolutions' kernels showed no such cost)
    private static final boolean AVX2_AT_MOST =
            (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core()) != dnnl_cpu_isa_avx512_core();
    private static final java.util.Set<Integer> SLOW_IN_PRODUCTS = java.util.Set.of(dnnl_eltwise_swish(),
            dnnl_eltwise_tanh(), dnnl_eltwise_gelu_erf(), dnnl_eltwise_gelu_tanh(), dnnl_eltwise_soft_relu());

    /**
     * How many of {@code postOps}, from the first, a matmul or inner product runs fused on this CPU;
     * the others follow it ({@link #appendInPlace}).
     */
    static int fusedInProducts(List<Attributes.Eltwise> postOps) {
        if (!AVX2_AT_MOST) return postOps.size();
        for (int i = 0; i < postOps.size(); i++) {
            if (SLOW_IN_PRODUCTS.contains(postOps.get(i).algorithm())) return i;
        }
        return postOps.size();
    }

    /** Each function as an eltwise primitive over {@code count} values of {@code slot}, in place, in order. */
    static void appendInPlace(Pipeline.Builder b, long count, int slot, List<Attributes.Eltwise> functions) {
        if (functions.isEmpty()) return;
        MemoryDesc md = b.own(MemoryDesc.rowMajor(count));
        for (Attributes.Eltwise f : functions) {
            b.step(eltwise(md, f), Pipeline.Arg.slot(DNNL_ARG_SRC(), md, slot), Pipeline.Arg.slot(DNNL_ARG_DST(), md, slot));
        }
    }

    static Primitive eltwise(MemoryDesc md, Attributes.Eltwise f) {
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("eltwise").word(Replay.eltwiseName(f.algorithm())).number(f.alpha())
                    .number(f.beta()).md(md).md(md);
            return Primitive.create("dnnl_eltwise_forward_primitive_desc_create", replay, (out, a) ->
                    dnnl_eltwise_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                            f.algorithm(), md.handle(), md.handle(), f.alpha(), f.beta(), attr.handle()));
        }
    }

    static Primitive binary(int algorithm, MemoryDesc src0, MemoryDesc src1, List<Attributes.PostOp> postOps) {
        try (Attributes attr = new Attributes(postOps)) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("binary").word(Replay.binaryName(algorithm)).md(src0).md(src1).md(src0)
                    .post(postOps);
            return Primitive.create("dnnl_binary_primitive_desc_create", replay, (out, a) ->
                    dnnl_binary_primitive_desc_create(out, Engine.cpu(), algorithm, src0.handle(), src1.handle(),
                            src0.handle(), attr.handle()));
        }
    }
}
