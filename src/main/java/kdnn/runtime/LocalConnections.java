package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A locally connected layer (a convolution whose weights differ at every output position) as
 * oneDNN reorders and one batched matmul: the input's windows gathered into patches
 * {@code (P, batch, K)} by one reorder per window offset from a strided view of a copy of the input
 * (zero padded where the layer pads; oneDNN refuses views whose elements overlap, so not one), then
 * {@code (P, batch, K) x (P, K, F) + bias} with the activation fused, reordered into the output's
 * order. P is the output positions, K a window's values (its offsets and channels, in the order the
 * kernel lists them), F the filters.
 */
public final class LocalConnections {
    private LocalConnections() {
    }

    /**
     * The geometry of one layer call.
     *
     * @param input         Keras' input dims, batch first, channels last or first
     * @param channelsFirst where the channel axis is, in the input and the output alike
     * @param kernel        the window per spatial axis
     * @param strides       per spatial axis
     * @param padBefore     zeros before each spatial axis (0 for "valid")
     * @param output        Keras' output dims
     */
    public record Geometry(long[] input, boolean channelsFirst, int[] kernel, int[] strides, int[] padBefore,
                           long[] output) {
        int rank() {
            return kernel.length;
        }

        long batch() {
            return input[0];
        }

        long channels() {
            return channelsFirst ? input[1] : input[input.length - 1];
        }

        long filters() {
            return channelsFirst ? output[1] : output[output.length - 1];
        }

        long outputLength(int axis) {
            return output[(channelsFirst ? 2 : 1) + axis];
        }

        /** Output positions, P. */
        public long positions() {
            long p = 1;
            for (int a = 0; a < rank(); a++) p *= outputLength(a);
            return p;
        }

        /** Values in one window, K. */
        public long windowValues() {
            long k = channels();
            for (int w : kernel) k *= w;
            return k;
        }

        /**
         * The input's spatial lengths once padded: every window fits, and every output position's
         * stride too (oneDNN takes a strided view only where each axis' stride spans the axes inside it).
         */
        long paddedLength(int axis) {
            long n = input[(channelsFirst ? 2 : 1) + axis];
            long reach = (outputLength(axis) - 1) * strides[axis] + kernel[axis];
            // (one position: its stride is never applied, and oneDNN does not check it)
            long spread = outputLength(axis) > 1 ? outputLength(axis) * strides[axis] : 0;
            return Math.max(Math.max(n + padBefore[axis], reach), spread);
        }

        boolean padded() {
            for (int a = 0; a < rank(); a++) {
                if (padBefore[a] != 0 || paddedLength(a) != input[(channelsFirst ? 2 : 1) + a]) return true;
            }
            return false;
        }
    }

    /**
     * @param g       the call's geometry
     * @param local   the kernel as {@code (P, K, F)} row-major, K in the input's order (window offsets
     *                then channels for channels_last, channels then offsets for channels_first);
     *                outlives the pipeline
     * @param bias    the bias as {@code (P, F)} row-major, or null
     * @param postOps the activation
     * @param tail    what runs on the output after it (a softmax over its last axis)
     */
    public static Pipeline unshared(Geometry g, MemorySegment local, MemorySegment bias, List<Attributes.Eltwise> postOps,
                                    Convolutions.Tail tail) {
        int r = g.rank();
        long batch = g.batch();
        long c = g.channels();
        long f = g.filters();
        long p = g.positions();
        long k = g.windowValues();
        Pipeline.Builder b = Pipeline.builder();
        try {
            // 1. the input copied into a buffer of its own (the gather reads it at offsets, which a
            //    caller's tensor cannot take), zero padded where the layer pads
            long[] spatial = new long[r];
            for (int a = 0; a < r; a++) spatial[a] = g.paddedLength(a);
            long[] paddedDims = dims(batch, c, spatial, g.channelsFirst());
            int source = b.buffer(Math.multiplyExact(product(paddedDims), Float.BYTES));
            MemoryDesc in = b.own(MemoryDesc.rowMajor(g.input()));
            MemoryDesc whole = b.own(MemoryDesc.rowMajor(paddedDims));
            long[] offsets = new long[paddedDims.length];
            for (int a = 0; a < r; a++) offsets[(g.channelsFirst() ? 2 : 1) + a] = g.padBefore()[a];
            MemoryDesc window = b.own(whole.submemory(g.input(), offsets));
            if (g.padded()) b.javaStep(source, data -> data.fill((byte) 0));
            b.step(Convolutions.reorder(in, window), Pipeline.Arg.slot(DNNL_ARG_FROM(), in, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), window, source));
            // 2. the patches: per window offset, a strided view of the input (one value per output
            //    position) reordered into that offset's place in (P, batch, K)
            long[] own = MemoryDesc.rowMajorStrides(paddedDims);
            int first = g.channelsFirst() ? 2 : 1; // the first spatial axis
            int channelAxis = g.channelsFirst() ? 1 : paddedDims.length - 1;
            // view axes: batch, output positions, channels
            long[] viewDims = new long[2 + r];
            long[] viewStrides = new long[viewDims.length];
            long[] patchStrides = new long[viewDims.length];
            viewDims[0] = batch;
            viewStrides[0] = own[0];
            patchStrides[0] = k;
            long positionStride = batch * k;
            for (int a = r - 1; a >= 0; a--) {
                viewDims[1 + a] = g.outputLength(a);
                viewStrides[1 + a] = own[first + a] * g.strides()[a];
                patchStrides[1 + a] = positionStride;
                positionStride *= g.outputLength(a);
            }
            long taps = k / c;
            viewDims[1 + r] = c;
            viewStrides[1 + r] = own[channelAxis];
            // K lists (offsets..., channels) for channels_last, (channels, offsets...) for channels_first
            patchStrides[1 + r] = g.channelsFirst() ? taps : 1;
            int patches = b.buffer(p * batch * k * Float.BYTES);
            MemoryDesc view = b.own(MemoryDesc.withStrides(viewDims, viewStrides, dnnl_f32()));
            MemoryDesc gathered = b.own(MemoryDesc.withStrides(viewDims, patchStrides, dnnl_f32()));
            Primitive gather = Convolutions.reorder(view, gathered); // each step owns it; closing twice is a no-op
            long[] t = new long[r];
            for (long tap = 0; tap < taps; tap++) {
                long rest = tap;
                long from = 0;
                for (int a = r - 1; a >= 0; a--) {
                    t[a] = rest % g.kernel()[a];
                    rest /= g.kernel()[a];
                }
                for (int a = 0; a < r; a++) from += t[a] * own[first + a];
                long to = g.channelsFirst() ? tap : tap * c;
                b.step(gather, Pipeline.Arg.slotAt(DNNL_ARG_FROM(), view, source, from * Float.BYTES),
                        Pipeline.Arg.slotAt(DNNL_ARG_TO(), gathered, patches, to * Float.BYTES));
            }
            // 3. one matmul per position: (P, batch, K) x (P, K, F), the bias a broadcast binary add
            //    (a matmul bias varying over P takes oneDNN's reference kernel), the activation after it,
            //    into a dense buffer reordered into the output: oneDNN 3.13's brg_matmul crashes with a
            //    binary post-op into a strided destination, and ignores the strides of a strided src1
            MemoryDesc src = b.own(MemoryDesc.rowMajor(p, batch, k));
            long[] pbf = {p, batch, f};
            MemoryDesc dst = b.own(MemoryDesc.rowMajor(pbf));
            int result = b.buffer(p * batch * f * Float.BYTES);
            List<Attributes.PostOp> ops = new java.util.ArrayList<>();
            MemoryDesc biasMd = null;
            if (bias != null) {
                biasMd = b.own(MemoryDesc.rowMajor(p, 1, f));
                ops.add(new Attributes.Binary(dnnl_binary_add(), biasMd));
            }
            ops.addAll(postOps);
            long[] weightDims = {p, k, f};
            Primitive matmul;
            try (MemoryDesc anyWeights = MemoryDesc.any(weightDims, dnnl_f32()); Attributes attr = new Attributes(ops)) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("matmul").md(src).md(anyWeights).md(null).md(dst).post(ops);
                matmul = b.own(Primitive.create("dnnl_matmul_primitive_desc_create", replay, (out, a) ->
                        dnnl_matmul_primitive_desc_create(out, Engine.cpu(), src.handle(), anyWeights.handle(),
                                MemorySegment.NULL, dst.handle(), attr.handle())));
            }
            // the kernel into the matmul's layout, once (and again after set-weights)
            MemoryDesc plain = b.own(MemoryDesc.rowMajor(weightDims));
            MemoryDesc packed = matmul.query(dnnl_query_weights_md(), 0);
            MemorySegment weights = local;
            if (!plain.sameLayout(packed)) {
                weights = b.constant(packed.byteSize());
                b.prepareStep(Convolutions.reorder(plain, packed), Pipeline.Arg.constant(DNNL_ARG_FROM(), plain, local),
                        Pipeline.Arg.constant(DNNL_ARG_TO(), packed, weights));
            }
            List<Pipeline.Arg> args = new java.util.ArrayList<>(List.of(Pipeline.Arg.slot(DNNL_ARG_SRC(), src, patches),
                    Pipeline.Arg.constant(DNNL_ARG_WEIGHTS(), packed, weights), Pipeline.Arg.slot(DNNL_ARG_DST(), dst, result)));
            if (bias != null) args.add(Pipeline.Arg.constant(Attributes.binaryArg(0), biasMd, bias));
            b.step(matmul, args.toArray(Pipeline.Arg[]::new));
            MemoryDesc into = b.own(MemoryDesc.withStrides(pbf, g.channelsFirst() ? new long[] {1, f * p, p}
                    : new long[] {f, p * f, 1}, dnnl_f32()));
            b.step(Convolutions.reorder(dst, into), Pipeline.Arg.slot(DNNL_ARG_FROM(), dst, result),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), into, Pipeline.OUTPUT));
            // 4. a softmax over the output's last axis, or a Java activation
            Convolutions.appendTail(b, b.own(MemoryDesc.rowMajor(g.output())), tail);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    private static long[] dims(long batch, long channels, long[] spatial, boolean channelsFirst) {
        long[] d = new long[spatial.length + 2];
        d[0] = batch;
        if (channelsFirst) {
            d[1] = channels;
            System.arraycopy(spatial, 0, d, 2, spatial.length);
        } else {
            System.arraycopy(spatial, 0, d, 1, spatial.length);
            d[d.length - 1] = channels;
        }
        return d;
    }

    private static long product(long[] dims) {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }
}
