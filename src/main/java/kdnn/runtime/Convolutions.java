package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Builds the pipeline of a convolution layer, following oneDNN's convolution example: memory
 * descriptors, primitive descriptor with {@code any} weights, one-time weight reorder, then
 * execution with an argument list. The same builder serves every rank (1, 2, 3), plain,
 * grouped (depthwise) and transposed convolutions, and chains of them (separable).
 *
 * <p>Activations run channels-last (nwc/nhwc/ndhwc) inside: oneDNN's fast kernels want it, so
 * a channels-first input is reordered once on the way in and once on the way out.
 */
public final class Convolutions {
    private Convolutions() {
    }

    /**
     * One convolution in oneDNN's terms. Dims are logical ({N, C, spatial...}; weights
     * {[G,] O, I, spatial...}); {@code weights} and {@code bias} hold the caller's values in
     * {@code weightsTag} / plain layout and must outlive the pipeline.
     */
    public record Op(boolean transposed, long[] weightsDims, int weightsTag, MemorySegment weights,
                     MemorySegment bias, long[] dstDims, long[] strides, long[] dilates,
                     long[] padLeft, long[] padRight, List<? extends Attributes.PostOp> postOps) {
    }

    /**
     * What follows the last convolution, in the caller's layout: a softmax (log-softmax when
     * {@code logSoftmax}) over one logical axis (or -1 for none), then a Java operation on the
     * output (or null).
     */
    public record Tail(int softmaxAxis, boolean logSoftmax, Pipeline.SlotOperation javaOperation) {
        public static final Tail NONE = new Tail(-1, false, null);
    }

    /** The channels-last format tag of a rank-{@code spatial} activation. */
    public static int channelsLastTag(int spatial) {
        return switch (spatial) {
            case 1 -> dnnl_nwc();
            case 2 -> dnnl_nhwc();
            case 3 -> dnnl_ndhwc();
            default -> throw new IllegalArgumentException("spatial rank must be 1, 2 or 3, got " + spatial);
        };
    }

    /** The channels-first format tag of a rank-{@code spatial} activation. */
    public static int channelsFirstTag(int spatial) {
        return switch (spatial) {
            case 1 -> dnnl_ncw();
            case 2 -> dnnl_nchw();
            case 3 -> dnnl_ncdhw();
            default -> throw new IllegalArgumentException("spatial rank must be 1, 2 or 3, got " + spatial);
        };
    }

    /**
     * Builds the pipeline for an input of logical dims {@code srcDims}. With {@code bf16}, inputs
     * and weights are converted to bfloat16 (the weights once) and the kernels accumulate into a
     * float32 output.
     */
    public static Pipeline build(long[] srcDims, int srcTag, int dstTag, List<Op> ops, Tail tail, boolean bf16) {
        return build(srcDims, srcTag, dstTag, ops, tail, bf16, 0);
    }

    /**
     * As {@link #build(long[], int, int, List, Tail, boolean)}, the output channels-last with its
     * channels {@code dstChannelStride} elements apart (0: dense): a slice of a wider buffer, as
     * when a Concatenate's inputs are written in place.
     */
    public static Pipeline build(long[] srcDims, int srcTag, int dstTag, List<Op> ops, Tail tail, boolean bf16,
                                 long dstChannelStride) {
        return build(srcDims, srcTag, dstTag, ops, tail, bf16, dstChannelStride, false, false);
    }

    /**
     * As {@link #build(long[], int, int, List, Tail, boolean, long)}, the input stored as bfloat16
     * when {@code srcBf16} and the output when {@code dstBf16}: a bf16 model keeps the values
     * between its convolutions so, and converts neither way (other precisions convert here).
     */
    public static Pipeline build(long[] srcDims, int srcTag, int dstTag, List<Op> ops, Tail tail, boolean bf16,
                                 long dstChannelStride, boolean srcBf16, boolean dstBf16) {
        Op first = ops.get(0);
        // grouped weights are {G, O/G, I/G, k...}: one more axis than the input
        long groups = !first.transposed() && first.weightsDims().length == srcDims.length + 1 ? first.weightsDims()[0] : 1;
        if (bf16 && !computesBf16(srcDims, groups)) {
            if (dstBf16) throw new IllegalArgumentException("a convolution that computes in float32 cannot write bf16");
            bf16 = false;
        }
        if (dstBf16 && (dstChannelStride > 0 || tail.softmaxAxis() >= 0 || tail.javaOperation() != null)) {
            throw new IllegalArgumentException("a bf16 output needs a dense output and nothing after the last"
                    + " convolution");
        }
        if (dstBf16 && !bf16 && ops.stream().anyMatch(op -> op.postOps().stream().anyMatch(Attributes.Sum.class::isInstance))) {
            throw new IllegalArgumentException("a float32 convolution cannot sum into a bf16 output");
        }
        // oneDNN 3.13 runs a deconvolution into a strided destination on its reference kernel, which
        // crashes in its bias step: never asked for
        if (dstChannelStride > 0 && ops.stream().anyMatch(Op::transposed)) {
            throw new IllegalArgumentException("a transposed convolution cannot write a strided destination");
        }
        if (dstChannelStride > 0 && (dstTag != channelsLastTag(srcDims.length - 2) || tail.softmaxAxis() >= 0
                || tail.javaOperation() != null)) {
            throw new IllegalArgumentException("a strided output needs a channels-last output and nothing after the"
                    + " last convolution");
        }
        if (srcDims.length == 3 && ops.stream().anyMatch(op -> op.weightsDims().length == 4)) {
            // oneDNN's depthwise kernels are 2D and 3D only (1D ones fall back to gemm): a 1D chain with a
            // grouped convolution runs as 2D with a unit height axis, over the same bytes, as TensorFlow does
            return build(UnitHeight.dims(srcDims), UnitHeight.activationTag(srcTag), UnitHeight.activationTag(dstTag),
                    ops.stream().map(UnitHeight::op).toList(), UnitHeight.tail(tail), bf16, dstChannelStride, srcBf16,
                    dstBf16);
        }
        int spatial = srcDims.length - 2;
        int internalTag = channelsLastTag(spatial);
        int compute = bf16 ? dnnl_bf16() : dnnl_f32();
        if (bf16) {
            requireBf16();
        }
        Pipeline.Builder b = Pipeline.builder();
        try {
            int srcType = srcBf16 ? dnnl_bf16() : dnnl_f32();
            int dstType = dstBf16 ? dnnl_bf16() : dnnl_f32();
            // the last convolution writes float32, or bf16 where both it and the stored output are
            int lastType = dstBf16 && bf16 ? dnnl_bf16() : dnnl_f32();
            MemoryDesc userSrc = b.own(MemoryDesc.withTag(srcDims, srcType, srcTag));
            long[] window = oneColumnWindow(srcDims, ops.get(0), bf16);
            long[] convSrcDims = srcDims;
            if (window != null) {
                // the columns the one window reads, as a view of the input with its own strides
                int last = srcDims.length - 3;
                convSrcDims = srcDims.clone();
                convSrcDims[srcDims.length - 1] = window[0];
                long[] viewStrides = srcTag == internalTag ? channelsLastStrides(srcDims, srcDims[1])
                        : MemoryDesc.rowMajorStrides(srcDims); // channels_first
                userSrc = b.own(MemoryDesc.withStrides(convSrcDims, viewStrides, srcType));
                Op op = ops.get(0);
                long[] strides = op.strides().clone();
                long[] padRight = op.padRight().clone();
                strides[last] = 1;
                padRight[last] = window[1];
                ops = new java.util.ArrayList<>(ops);
                ops.set(0, new Op(false, op.weightsDims(), op.weightsTag(), op.weights(), op.bias(), op.dstDims(), strides,
                        op.dilates(), op.padLeft(), padRight, op.postOps()));
            }
            int current = Pipeline.INPUT;
            MemoryDesc currentMd = userSrc;
            boolean convertOut = dstTag != internalTag || dstType != lastType;
            if (window != null || srcTag != internalTag || srcType != compute) {
                // one reorder in: channels_first runs on the fast nhwc kernels, precisions convert here
                MemoryDesc internal = b.own(MemoryDesc.withTag(convSrcDims, compute, internalTag));
                int slot = b.buffer(internal.byteSize());
                b.step(reorder(userSrc, internal), Pipeline.Arg.slot(DNNL_ARG_FROM(), userSrc, current),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), internal, slot));
                current = slot;
                currentMd = internal;
            }
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                boolean last = i == ops.size() - 1;
                MemoryDesc dst = b.own(last && dstChannelStride > 0
                        ? MemoryDesc.withStrides(op.dstDims(), channelsLastStrides(op.dstDims(), dstChannelStride), dnnl_f32())
                        : MemoryDesc.withTag(op.dstDims(), last ? lastType : compute, internalTag));
                Primitive conv = b.own(convolution(op, currentMd, dst, compute));
                MemoryDesc packed = conv.query(dnnl_query_weights_md(), 0);
                MemoryDesc given = b.own(MemoryDesc.withTag(op.weightsDims(), dnnl_f32(), op.weightsTag()));
                MemorySegment weights = op.weights();
                if (!given.sameLayout(packed)) {
                    // weights into the layout the primitive prefers, once (and again after set-weights)
                    weights = b.constant(packed.byteSize());
                    b.prepareStep(reorder(given, packed), Pipeline.Arg.constant(DNNL_ARG_FROM(), given, op.weights()),
                            Pipeline.Arg.constant(DNNL_ARG_TO(), packed, weights));
                }
                int out = last && !convertOut ? Pipeline.OUTPUT : b.buffer(dst.byteSize());
                Pipeline.Arg src = Pipeline.Arg.slot(DNNL_ARG_SRC(), currentMd, current);
                Pipeline.Arg w = Pipeline.Arg.constant(DNNL_ARG_WEIGHTS(), packed, weights);
                Pipeline.Arg d = Pipeline.Arg.slot(DNNL_ARG_DST(), dst, out);
                if (op.bias() != null) {
                    MemoryDesc biasMd = b.own(MemoryDesc.withTag(new long[] {op.dstDims()[1]}, dnnl_f32(), dnnl_x()));
                    b.step(conv, src, w, Pipeline.Arg.constant(DNNL_ARG_BIAS(), biasMd, op.bias()), d);
                } else {
                    b.step(conv, src, w, d);
                }
                current = out;
                currentMd = dst;
            }
            MemoryDesc userDst = currentMd;
            if (convertOut) {
                long[] dstDims = ops.get(ops.size() - 1).dstDims();
                userDst = b.own(MemoryDesc.withTag(dstDims, dstType, dstTag));
                b.step(reorder(currentMd, userDst), Pipeline.Arg.slot(DNNL_ARG_FROM(), currentMd, current),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), userDst, Pipeline.OUTPUT));
            }
            appendTail(b, userDst, tail);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** Strides of logical dims {N, C, spatial...} stored channels-last with channels {@code stride} apart. */
    static long[] channelsLastStrides(long[] dims, long stride) {
        long[] s = new long[dims.length];
        s[1] = 1;
        long step = stride;
        for (int i = dims.length - 1; i >= 2; i--) {
            s[i] = step;
            step *= dims[i];
        }
        s[0] = step;
        return s;
    }

    /** Softmax in place over {@code tail.softmaxAxis()}, then the Java operation. */
    static void appendTail(Pipeline.Builder b, MemoryDesc dst, Tail tail) {
        if (tail.softmaxAxis() >= 0) {
            b.step(softmax(dst, tail.softmaxAxis(), tail.logSoftmax()), Pipeline.Arg.slot(DNNL_ARG_SRC(), dst, Pipeline.OUTPUT),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
        }
        if (tail.javaOperation() != null) {
            b.javaStep(Pipeline.OUTPUT, tail.javaOperation());
        }
    }

    /**
     * oneDNN 3.13's brgconv miscomputes a convolution whose output is one column wide with a stride
     * along the columns: in float32 in 2D and 3D where the input has one channel (found by
     * HostileInputProperties), in bf16 in 1D to 3D for any channels, plain, grouped and depthwise
     * (found by ConvVsReferenceTest's bf16 cases); values off by up to 2.5 times their size. With one output
     * column the stride reads nothing: such a first convolution reads only the columns its one
     * window covers (a view of the input, copied in) with stride 1 there, or null where none of
     * this applies.
     *
     * @return {columns read, right padding} of the window
     */
    static long[] oneColumnWindow(long[] srcDims, Op op, boolean bf16) {
        int last = srcDims.length - 3; // the last spatial axis among strides, dilates and paddings
        if (!bf16 && (srcDims[1] != 1 || srcDims.length < 4) || op.transposed() || op.strides()[last] <= 1
                || op.dstDims()[op.dstDims().length - 1] != 1) {
            return null;
        }
        long kernel = op.weightsDims()[op.weightsDims().length - 1];
        long extent = (kernel - 1) * (op.dilates()[last] + 1) + 1;
        long columns = Math.min(srcDims[srcDims.length - 1], extent - op.padLeft()[last]);
        return new long[] {columns, extent - op.padLeft()[last] - columns};
    }

    /**
     * False where a bf16 model's convolution computes in float32 instead: 3D convolutions of one
     * input channel per group ({@code srcDims}: N, C, spatial), where oneDNN 3.13's bf16 kernel
     * gives wrong values when the kernel's depth reaches past an input of depth 1 (found by
     * {@code RandomGraphsTest}, for one channel and for groups of one; 2D, 1D, two or more channels
     * per group and transposed ones are right).
     */
    public static boolean computesBf16(long[] srcDims, long groups) {
        return !(srcDims.length == 5 && srcDims[1] / groups == 1);
    }

    /** Refuses bf16 where the CPU has no bf16 instructions (oneDNN would emulate them slowly). */
    public static void requireBf16() {
        if (!bf16Supported()) {
            throw new UnsupportedOperationException("precision bf16 needs a CPU with AVX512_BF16 or AMX; oneDNN reports"
                    + " ISA value " + dnnl_get_effective_cpu_isa() + " for this one (see `kdnn info`)");
        }
    }

    /** True where the CPU has bf16 instructions (AVX512_BF16 or AMX) that oneDNN uses. */
    public static boolean bf16Supported() {
        int isa = dnnl_get_effective_cpu_isa();
        return (isa & dnnl_cpu_isa_avx512_core_bf16()) == dnnl_cpu_isa_avx512_core_bf16()
                || (isa & dnnl_cpu_isa_avx512_core_amx()) == dnnl_cpu_isa_avx512_core_amx();
    }

    private static Primitive convolution(Op op, MemoryDesc src, MemoryDesc dst, int compute) {
        try (MemoryDesc weights = MemoryDesc.any(op.weightsDims(), compute);
             MemoryDesc bias = op.bias() == null ? null
                     : MemoryDesc.withTag(new long[] {op.dstDims()[1]}, dnnl_f32(), dnnl_x());
             Attributes attr = new Attributes(op.postOps())) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of(op.transposed() ? "deconv" : "conv").md(src).md(weights).md(bias).md(dst)
                    .numbers(op.strides()).numbers(op.dilates()).numbers(op.padLeft()).numbers(op.padRight())
                    .post(op.postOps());
            if (op.transposed()) {
                return Primitive.create("dnnl_deconvolution_forward_primitive_desc_create", replay, (out, a) ->
                        dnnl_deconvolution_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                                dnnl_deconvolution_direct(), src.handle(), weights.handle(), MemoryDesc.nullIfAbsent(bias),
                                dst.handle(), Dnnl.dims(a, op.strides()), Dnnl.dims(a, op.dilates()),
                                Dnnl.dims(a, op.padLeft()), Dnnl.dims(a, op.padRight()), attr.handle()));
            }
            return Primitive.create("dnnl_convolution_forward_primitive_desc_create", replay, (out, a) ->
                    dnnl_convolution_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                            dnnl_convolution_direct(), src.handle(), weights.handle(), MemoryDesc.nullIfAbsent(bias),
                            dst.handle(), Dnnl.dims(a, op.strides()), Dnnl.dims(a, op.dilates()),
                            Dnnl.dims(a, op.padLeft()), Dnnl.dims(a, op.padRight()), attr.handle()));
        }
    }

    /** A reorder (layout conversion or copy) between two descriptors. */
    public static Primitive reorder(MemoryDesc from, MemoryDesc to) {
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            return Primitive.create("dnnl_reorder_primitive_desc_create", Replay.of("reorder").md(from).md(to), (out, a) ->
                    dnnl_reorder_primitive_desc_create(out, from.handle(), Engine.cpu(), to.handle(), Engine.cpu(),
                            attr.handle()));
        }
    }

    static Primitive softmax(MemoryDesc md, int axis, boolean log) {
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("softmax").word(log ? "log" : "accurate").md(md).md(md).number(axis);
            return Primitive.create("dnnl_softmax_forward_primitive_desc_create", replay, (out, a) ->
                    dnnl_softmax_forward_primitive_desc_create(out, Engine.cpu(), dnnl_forward_inference(),
                            log ? dnnl_softmax_log() : dnnl_softmax_accurate(), md.handle(), md.handle(), axis,
                            attr.handle()));
        }
    }
}
