package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * Keras' {@code MultiHeadAttention} at inference as one pipeline: the query, key and value
 * projections (matmuls with their biases), the scaled dot products per head, the mask added as
 * {@code (1 - mask) * -1e9}, a softmax over the key positions, the weighted sum of the values,
 * and the output projection. The heads and the positions are read in place, strided, from the
 * projections' {@code (batch, axes..., heads, size)} layout; only attention axes that are not one
 * run of axes are first copied into that order.
 */
public final class Attentions {
    private Attentions() {
    }

    /**
     * How a masked score is removed, which decides the row whose every key is masked: the three
     * ways Keras computes it.
     */
    public enum Masked {
        /** tf.keras' Softmax: {@code x + (1 - mask) * -1e9}, so such a row weighs its keys (near) evenly. */
        ADD,
        /**
         * Keras 3's {@code ops.dot_product_attention} (no dropout, rank-3 inputs): {@code where(mask,
         * x, -0.7 * 3.38953e38)}, so such a row weighs its keys exactly evenly; adding that number is
         * the same in float32.
         */
        WHERE,
        /** Keras 3's Softmax ({@code where(mask, x, -1e9)}, then zeros where masked): such a row is all zeros. */
        ZERO
    }

    /** Keras' float32 constant for masked scores in its Softmax ({@code _large_negative_number}). */
    static final float SOFTMAX_MASKED = -1e9f;
    /** Keras 3's constant for masked logits in {@code dot_product_attention} ({@code _get_large_negative}). */
    static final float DOT_PRODUCT_MASKED = (float) (3.38953e38 * -0.7);

    /**
     * The shapes of one call.
     *
     * @param batch        the batch size
     * @param queryAxes    the query's axes between the batch and the features
     * @param valueAxes    the value's (and key's) axes between the batch and the features
     * @param attention    the attention axes, as indices into those axes (sorted, distinct)
     * @param queryDim     the query's features
     * @param valueDim     the value's features
     * @param keyDim       the key's features (the value's when no key is given)
     * @param heads        {@code num_heads}
     * @param keySize      {@code key_dim}
     * @param valueSize    {@code value_dim}
     * @param outputSize   the output's features per position (the product of {@code output_shape})
     * @param hasKey       a key is input 2
     * @param maskShape    the attention mask as Keras expands it to the scores' rank
     *                     ({@code (batch, other axes..., heads, query positions..., key positions...)},
     *                     each 1 or the scores' dim), or null without one; it is the last input
     * @param causal       {@code use_causal_mask}
     * @param slidingWindow Keras 3's {@code sliding_window} (a key attended when |query - key position| is
     *                     below it), or 0 for none
     * @param masked       how a masked score is removed
     * @param self         query, value and key are one tensor: one projection with the three kernels side by side
     * @param keras        which of query, value and key carry Keras' own mask ({@code (batch, positions)},
     *                     rank-3 inputs), given as inputs after the others in that order; null for none
     * @param withScores   {@code return_attention_scores}: the output and the scores packed per sample
     */
    public record Shape(long batch, long[] queryAxes, long[] valueAxes, int[] attention, long queryDim, long valueDim,
                        long keyDim, long heads, long keySize, long valueSize, long outputSize, boolean hasKey,
                        long[] maskShape, boolean causal, long slidingWindow, Masked masked, boolean self,
                        boolean[] keras, boolean withScores) {
        boolean kerasMasks() {
            return keras != null && (keras[0] || keras[1] || keras[2]);
        }
        /** The axes that are not attention axes (the same for query and value). */
        long[] others() {
            long[] out = new long[queryAxes.length - attention.length];
            int n = 0;
            for (int i = 0; i < queryAxes.length; i++) if (Arrays.binarySearch(attention, i) < 0) out[n++] = queryAxes[i];
            return out;
        }

        long positions(long[] axes) {
            long n = 1;
            for (int a : attention) n *= axes[a];
            return n;
        }

        long rows(long[] axes) {
            long n = batch;
            for (long d : axes) n *= d;
            return n;
        }

        /** The dims of the scores, {@code (batch, other axes..., heads, T, S)}, the positions flattened. */
        long[] scores() {
            long[] o = others();
            long[] d = new long[o.length + 4];
            d[0] = batch;
            System.arraycopy(o, 0, d, 1, o.length);
            d[o.length + 1] = heads;
            d[o.length + 2] = positions(queryAxes);
            d[o.length + 3] = positions(valueAxes);
            return d;
        }
    }

    /** Keras' row-major values of one projection: kernel {@code (in, heads * size)} and bias (or null). */
    public record Projection(MemorySegment kernel, MemorySegment bias) {
    }

    /**
     * The pipeline for one call's shapes; inputs query, value, then the key and the mask when given.
     * {@code gate} (Keras 3's {@code use_gate}, or null): the heads' outputs are multiplied by the
     * sigmoid of this projection of the query before the output projection.
     */
    public static Pipeline multiHead(Shape s, Projection query, Projection key, Projection value, Projection output,
                                     Projection gate) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            int valueSlot = b.input(1);
            int keySlot = s.hasKey ? b.input(2) : valueSlot;
            int maskSlot = s.maskShape == null ? -1 : b.input(s.hasKey ? 3 : 2);
            // Keras' masks of query, value and key, after the other inputs
            int[] kerasSlots = {-1, -1, -1};
            int nextInput = (s.hasKey ? 3 : 2) + (s.maskShape == null ? 0 : 1);
            for (int i = 0; i < 3; i++) if (s.kerasMasks() && s.keras[i]) kerasSlots[i] = b.input(nextInput++);
            long queryRows = s.rows(s.queryAxes);
            long valueRows = s.rows(s.valueAxes);
            // the projections; the query scaled by 1 / sqrt(key_dim) after its bias, as Keras does
            float scale = (float) (1.0 / Math.sqrt((double) s.keySize));
            long qk = s.heads * s.keySize;
            long vs = s.heads * s.valueSize;
            View qv;
            View kv;
            View vv;
            // one position: oneDNN 3.13's batched matmul reads such strided views wrong (2+ samples; found by
            // RandomGraphsTest), so the three projections go apart, as for cross-attention
            if (s.self && s.positions(s.queryAxes) > 1) {
                // one matmul: the kernels side by side (query, key, value columns), each row's query part scaled
                long total = 2 * qk + vs;
                int qkv = b.buffer(Math.multiplyExact(Math.multiplyExact(queryRows, total), Float.BYTES));
                MemorySegment kernel = sideBySide(b, s.queryDim, total, new long[] {qk, qk, vs},
                        query.kernel(), key.kernel(), value.kernel());
                MemorySegment bias = query.bias() == null ? null : sideBySide(b, 1, total, new long[] {qk, qk, vs},
                        query.bias(), key.bias(), value.bias());
                MemoryDesc scales = b.own(MemoryDesc.rowMajor(1, total));
                MemorySegment columnScales = b.constant(scales.byteSize());
                for (long c = 0; c < total; c++) columnScales.setAtIndex(ValueLayout.JAVA_FLOAT, c, c < qk ? scale : 1f);
                InnerProducts.appendDense(b, queryRows, s.queryDim, total, kernel, bias,
                        List.of(new Attributes.Binary(dnnl_binary_mul(), scales)), true, Pipeline.INPUT, qkv,
                        Pipeline.Arg.constant(Attributes.binaryArg(0), scales, columnScales));
                qv = view(b, s, s.queryAxes, s.keySize, total, qkv, 0, true);
                kv = view(b, s, s.valueAxes, s.keySize, total, qkv, qk * Float.BYTES, true);
                vv = view(b, s, s.valueAxes, s.valueSize, total, qkv, 2 * qk * Float.BYTES, true);
            } else {
                int q = b.buffer(bytes(queryRows, s.heads, s.keySize));
                int k = b.buffer(bytes(valueRows, s.heads, s.keySize));
                int v = b.buffer(bytes(valueRows, s.heads, s.valueSize));
                InnerProducts.appendDense(b, queryRows, s.queryDim, qk, query.kernel(), query.bias(),
                        List.of(new Attributes.Eltwise(dnnl_eltwise_linear(), scale, 0f)), true, Pipeline.INPUT, q);
                InnerProducts.appendDense(b, valueRows, s.keyDim, qk, key.kernel(), key.bias(), List.of(), true, keySlot, k);
                InnerProducts.appendDense(b, valueRows, s.valueDim, vs, value.kernel(), value.bias(), List.of(), true,
                        valueSlot, v);
                qv = view(b, s, s.queryAxes, s.keySize, qk, q, 0, true);
                kv = view(b, s, s.valueAxes, s.keySize, qk, k, 0, true);
                vv = view(b, s, s.valueAxes, s.valueSize, vs, v, 0, true);
            }
            // scores (batch, others..., heads, T, S) = q . k over key_dim
            long[] scoreDims = s.scores();
            int rank = scoreDims.length;
            MemoryDesc scores = b.own(MemoryDesc.rowMajor(scoreDims));
            int scoreSlot = b.buffer(scores.byteSize());
            MemoryDesc keysT = b.own(MemoryDesc.withStrides(swapLast(kv.dims), swapLast(kv.strides), dnnl_f32()));
            b.step(matmul(qv.md, keysT, scores), qv.arg(DNNL_ARG_SRC(), qv.md), kv.arg(DNNL_ARG_WEIGHTS(), keysT),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), scores, scoreSlot));
            boolean masking = s.maskShape != null || s.causal || s.slidingWindow > 0 || s.kerasMasks();
            long[] adderDims = masking ? adderDims(s, scoreDims) : null;
            MemoryDesc adder = masking ? b.own(MemoryDesc.rowMajor(adderDims)) : null;
            // the adder, (1 - mask) * the masked constant; then (ZERO) the mask itself at the same dims
            int adderSlot = masking ? b.buffer(Math.multiplyExact(adder.byteSize(), s.masked == Masked.ZERO ? 2 : 1)) : -1;
            if (masking) {
                int[] from = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(maskSlot),
                        Arrays.stream(kerasSlots)).filter(x -> x >= 0).toArray();
                AdderWriter adders = new AdderWriter(s, adderDims);
                b.javaStep(from, adderSlot, (in, out) -> {
                    MemorySegment[] m = new MemorySegment[4]; // attention_mask, then the query's, value's, key's
                    int at = 0;
                    if (maskSlot >= 0) m[0] = in[at++];
                    for (int i = 0; i < 3; i++) if (kerasSlots[i] >= 0) m[1 + i] = in[at++];
                    adders.write(m, out);
                });
                b.step(Merges.binary(dnnl_binary_add(), scores, adder, scores),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), scores, scoreSlot), Pipeline.Arg.slot(DNNL_ARG_SRC_1(), adder,
                                adderSlot), Pipeline.Arg.slot(DNNL_ARG_DST(), scores, scoreSlot));
            }
            long rows = product(scoreDims) / scoreDims[rank - 1];
            MemoryDesc flat = b.own(MemoryDesc.rowMajor(rows, scoreDims[rank - 1]));
            b.step(Convolutions.softmax(flat, 1, false), Pipeline.Arg.slot(DNNL_ARG_SRC(), flat, scoreSlot),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), flat, scoreSlot));
            if (masking && s.masked == Masked.ZERO) {
                // Keras 3 zeros the masked weights after the softmax: a row with every key masked weighs nothing
                MemoryDesc keep = b.own(MemoryDesc.rowMajor(adderDims));
                b.step(Merges.binary(dnnl_binary_mul(), scores, keep, scores),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), scores, scoreSlot),
                        Pipeline.Arg.slotAt(DNNL_ARG_SRC_1(), keep, adderSlot, adder.byteSize()),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), scores, scoreSlot));
            }
            // the heads' outputs, (batch, query axes..., heads, value_dim): scores . v over the key positions
            int context = b.buffer(bytes(queryRows, s.heads, s.valueSize));
            View cv = view(b, s, s.queryAxes, s.valueSize, vs, context, 0, false);
            b.step(matmul(scores, vv.md, cv.md), Pipeline.Arg.slot(DNNL_ARG_SRC(), scores, scoreSlot),
                    vv.arg(DNNL_ARG_WEIGHTS(), vv.md), cv.arg(DNNL_ARG_DST(), cv.md));
            if (cv.copied) {
                b.step(Convolutions.reorder(cv.dense, cv.user), Pipeline.Arg.slot(DNNL_ARG_FROM(), cv.dense, cv.slot),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), cv.user, context));
            }
            if (gate != null) {
                int g = b.buffer(bytes(queryRows, s.heads, s.valueSize));
                MemoryDesc gated = InnerProducts.appendDense(b, queryRows, s.queryDim, vs, gate.kernel(), gate.bias(),
                        List.of(new Attributes.Eltwise(dnnl_eltwise_logistic(), 0f, 0f)), true, Pipeline.INPUT, g);
                b.step(Merges.binary(dnnl_binary_mul(), gated, gated, gated), Pipeline.Arg.slot(DNNL_ARG_SRC(), gated, context),
                        Pipeline.Arg.slot(DNNL_ARG_SRC_1(), gated, g), Pipeline.Arg.slot(DNNL_ARG_DST(), gated, context));
            }
            // with the scores: the output projected into a buffer, then both packed per sample
            int projected = s.withScores
                    ? b.buffer(Math.multiplyExact(Math.multiplyExact(queryRows, s.outputSize), Float.BYTES)) : Pipeline.OUTPUT;
            InnerProducts.appendDense(b, queryRows, s.heads * s.valueSize, s.outputSize, output.kernel(), output.bias(),
                    List.of(), true, context, projected);
            if (s.withScores) {
                appendPacked(b, s.batch, queryRows / s.batch * s.outputSize, projected, product(scoreDims) / s.batch,
                        scoreSlot);
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Copies a layer's output ({@code (batch, outPer)} at slot {@code out}) and its attention
     * weights ({@code (batch, scoresPer)} at slot {@code scores}) into their windows of the packed
     * output, per sample the output and then the weights, as a layer of several outputs writes them.
     */
    static void appendPacked(Pipeline.Builder b, long batch, long outPer, int out, long scoresPer, int scores) {
        MemoryDesc packed = b.own(MemoryDesc.rowMajor(batch, outPer + scoresPer));
        MemoryDesc outWindow = b.own(packed.submemory(new long[] {batch, outPer}, new long[] {0, 0}));
        MemoryDesc scoreWindow = b.own(packed.submemory(new long[] {batch, scoresPer}, new long[] {0, outPer}));
        MemoryDesc outDense = b.own(MemoryDesc.rowMajor(batch, outPer));
        MemoryDesc scoreDense = b.own(MemoryDesc.rowMajor(batch, scoresPer));
        b.step(Convolutions.reorder(outDense, outWindow), Pipeline.Arg.slot(DNNL_ARG_FROM(), outDense, out),
                Pipeline.Arg.slot(DNNL_ARG_TO(), outWindow, Pipeline.OUTPUT));
        b.step(Convolutions.reorder(scoreDense, scoreWindow), Pipeline.Arg.slot(DNNL_ARG_FROM(), scoreDense, scores),
                Pipeline.Arg.slot(DNNL_ARG_TO(), scoreWindow, Pipeline.OUTPUT));
    }

    private static long bytes(long rows, long heads, long size) {
        return Math.multiplyExact(Math.multiplyExact(rows, Math.multiplyExact(heads, size)), Float.BYTES);
    }

    /**
     * A projection {@code (batch, axes..., heads, size)} seen as {@code (batch, others..., heads,
     * positions, size)}: strided in place when the attention axes are one run, else (copied) a
     * dense buffer filled by a reorder from {@code user}, the projection in that axis order.
     */
    private record View(MemoryDesc md, int slot, long offset, long[] dims, long[] strides, boolean copied,
                        MemoryDesc user, MemoryDesc dense) {
        /** The view as argument {@code arg} of a primitive, described by {@code md}. */
        Pipeline.Arg arg(int arg, MemoryDesc md) {
            return Pipeline.Arg.slotAt(arg, md, slot, offset);
        }
    }

    /**
     * @param rowStride the elements from one position's projection to the next (its heads' sizes,
     *                  or all three projections' side by side)
     * @param offset    where this projection starts in its slot, in bytes
     */
    private static View view(Pipeline.Builder b, Shape s, long[] axes, long size, long rowStride, int slot, long offset,
                             boolean reading) {
        long[] full = new long[axes.length + 3];
        full[0] = s.batch;
        System.arraycopy(axes, 0, full, 1, axes.length);
        full[axes.length + 1] = s.heads;
        full[axes.length + 2] = size;
        long[] strides = MemoryDesc.rowMajorStrides(full);
        // positions rowStride apart: the strides of the batch and the axes scale from the heads' own row
        for (int i = 0; i <= axes.length; i++) strides[i] = strides[i] / (s.heads * size) * rowStride;
        long[] others = s.others();
        int n = others.length;
        long[] dims = new long[n + 4];
        long[] st = new long[n + 4];
        dims[0] = s.batch;
        st[0] = strides[0];
        int at = 1;
        for (int i = 0; i < axes.length; i++) {
            if (Arrays.binarySearch(s.attention, i) < 0) {
                dims[at] = axes[i];
                st[at++] = strides[i + 1];
            }
        }
        dims[n + 1] = s.heads;
        st[n + 1] = size;
        dims[n + 2] = s.positions(axes);
        dims[n + 3] = size;
        st[n + 3] = 1;
        boolean run = s.attention[s.attention.length - 1] - s.attention[0] == s.attention.length - 1;
        if (run) {
            st[n + 2] = strides[s.attention[s.attention.length - 1] + 1];
            return new View(b.own(MemoryDesc.withStrides(dims, st, dnnl_f32())), slot, offset, dims, st, false, null, null);
        }
        // (batch, others..., heads, attention axes..., size): the projection's strides in that order, then dense
        long[] ordered = new long[n + 3 + s.attention.length];
        long[] orderedStrides = new long[ordered.length];
        ordered[0] = s.batch;
        orderedStrides[0] = strides[0];
        at = 1;
        for (int i = 0; i < axes.length; i++) {
            if (Arrays.binarySearch(s.attention, i) < 0) {
                ordered[at] = axes[i];
                orderedStrides[at++] = strides[i + 1];
            }
        }
        ordered[at] = s.heads;
        orderedStrides[at++] = size;
        for (int a : s.attention) {
            ordered[at] = axes[a];
            orderedStrides[at++] = strides[a + 1];
        }
        ordered[at] = size;
        orderedStrides[at] = 1;
        MemoryDesc user = b.own(MemoryDesc.withStrides(ordered, orderedStrides, dnnl_f32()));
        MemoryDesc dense = b.own(MemoryDesc.rowMajor(ordered));
        long[] denseStrides = MemoryDesc.rowMajorStrides(dims);
        MemoryDesc md = b.own(MemoryDesc.rowMajor(dims));
        int copy = b.buffer(dense.byteSize());
        if (reading) {
            b.step(Convolutions.reorder(user, dense), Pipeline.Arg.slotAt(DNNL_ARG_FROM(), user, slot, offset),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), dense, copy));
        }
        return new View(md, copy, 0, dims, denseStrides, true, user, dense);
    }

    /**
     * Keras' row-major {@code (rows, widths[i])} values side by side in one constant {@code (rows,
     * total)}: reorders made again whenever the weights change (prepare steps).
     */
    private static MemorySegment sideBySide(Pipeline.Builder b, long rows, long total, long[] widths,
                                            MemorySegment... parts) {
        MemorySegment joined = b.constant(Math.multiplyExact(Math.multiplyExact(rows, total), Float.BYTES));
        long at = 0;
        for (int i = 0; i < parts.length; i++) {
            MemoryDesc from = b.own(MemoryDesc.rowMajor(rows, widths[i]));
            MemoryDesc to = b.own(MemoryDesc.withStrides(new long[] {rows, widths[i]}, new long[] {total, 1}, dnnl_f32()));
            b.prepareStep(Convolutions.reorder(from, to), Pipeline.Arg.constant(DNNL_ARG_FROM(), from, parts[i]),
                    Pipeline.Arg.constant(DNNL_ARG_TO(), to, joined.asSlice(at * Float.BYTES)));
            at += widths[i];
        }
        return joined;
    }

    /** The last two of dims or strides exchanged: a transposed view. */
    private static long[] swapLast(long[] values) {
        long[] s = values.clone();
        int n = s.length;
        s[n - 2] = values[n - 1];
        s[n - 1] = values[n - 2];
        return s;
    }

    private static Primitive matmul(MemoryDesc src, MemoryDesc weights, MemoryDesc dst) {
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("matmul").md(src).md(weights).md(null).md(dst).post(List.of());
            return Primitive.create("dnnl_matmul_primitive_desc_create", replay, (out, a) ->
                    dnnl_matmul_primitive_desc_create(out, Engine.cpu(), src.handle(), weights.handle(),
                            MemorySegment.NULL, dst.handle(), attr.handle()));
        }
    }

    /** The mask's dims over the flattened scores: the heads' axis kept as the mask has it (1 or heads). */
    private static long[] adderDims(Shape s, long[] scoreDims) {
        long[] d = scoreDims.clone();
        int rank = d.length;
        if (s.maskShape == null) {
            Arrays.fill(d, 1);
            d[rank - 2] = scoreDims[rank - 2];
            d[rank - 1] = scoreDims[rank - 1];
            if (s.kerasMasks()) d[0] = scoreDims[0]; // Keras' masks differ per sample
            return d;
        }
        int headAxis = rank - 3;
        int maskHead = s.maskShape.length - 1 - 2 * s.attention.length;
        d[headAxis] = s.maskShape[maskHead];
        return d;
    }

    /**
     * Writes one call's {@code (1 - mask) * constant} at the adder's dims: the expanded attention
     * mask (each of its dims 1 or the scores'), Keras' masks of the inputs, the causal mask (query
     * position >= key position) and the sliding window, joined by logical and; for
     * {@link Masked#ZERO} the joined mask after it. An attention-mask value other than 0 or 1 is
     * refused: Keras versions read it differently. The mask's offsets along the lead axes, the
     * query positions and the key positions are worked out once, when the pipeline is made.
     */
    private static final class AdderWriter {
        private final Shape s;
        private final long[] dims;
        private final long[] leadStrides; // the mask's offset per lead index (batch, others..., heads)
        private final long[] queryOffsets;
        private final long[] keyOffsets;
        private final float masked;
        private final boolean zero;

        AdderWriter(Shape s, long[] adderDims) {
            this.s = s;
            this.dims = adderDims.clone();
            int rank = dims.length;
            int p = s.attention.length;
            masked = s.masked == Masked.WHERE ? DOT_PRODUCT_MASKED : SOFTMAX_MASKED;
            zero = s.masked == Masked.ZERO;
            long[] m = s.maskShape;
            long[] st = m == null ? null : broadcastStrides(m);
            leadStrides = new long[rank - 2];
            queryOffsets = new long[Math.toIntExact(dims[rank - 2])];
            keyOffsets = new long[Math.toIntExact(dims[rank - 1])];
            if (st == null) return;
            System.arraycopy(st, 0, leadStrides, 0, rank - 2);
            // each flattened position split into the attention axes, each broadcast as the mask has it
            for (int t = 0; t < queryOffsets.length; t++) {
                long rest = t;
                for (int a = p - 1; a >= 0; a--) {
                    long n = s.queryAxes[s.attention[a]];
                    queryOffsets[t] += (rest % n) * st[rank - 2 + a];
                    rest /= n;
                }
            }
            for (int u = 0; u < keyOffsets.length; u++) {
                long rest = u;
                for (int a = p - 1; a >= 0; a--) {
                    long n = s.valueAxes[s.attention[a]];
                    keyOffsets[u] += (rest % n) * st[rank - 2 + p + a];
                    rest /= n;
                }
            }
        }

        /** {@code masks}: the attention mask, then Keras' masks of query, value and key (each or null). */
        void write(MemorySegment[] masks, MemorySegment out) {
            int rank = dims.length;
            long total = product(dims);
            int tCount = queryOffsets.length;
            int sCount = keyOffsets.length;
            long leads = total / ((long) tCount * sCount);
            long[] lead = new long[rank - 2];
            long i = 0;
            for (long l = 0; l < leads; l++) {
                long base = 0;
                for (int d = 0; d < lead.length; d++) base += lead[d] * leadStrides[d];
                long batch = lead[0];
                for (int t = 0; t < tCount; t++) {
                    boolean row = masks[1] == null || masks[1].getAtIndex(ValueLayout.JAVA_FLOAT, batch * tCount + t) != 0f;
                    for (int u = 0; u < sCount; u++, i++) {
                        boolean keep = row;
                        if (masks[0] != null) {
                            float x = masks[0].getAtIndex(ValueLayout.JAVA_FLOAT, base + queryOffsets[t] + keyOffsets[u]);
                            if (x != 0f && x != 1f) {
                                throw new IllegalArgumentException("attention_mask holds " + x + "; expected booleans (0 or 1)");
                            }
                            keep &= x == 1f;
                        }
                        // Keras' masks of rank-3 inputs (cast to booleans): the value's and key's (batch, S)
                        for (int k = 2; k < 4; k++) {
                            if (masks[k] != null) keep &= masks[k].getAtIndex(ValueLayout.JAVA_FLOAT, batch * sCount + u) != 0f;
                        }
                        if (s.causal) keep &= t >= u;
                        if (s.slidingWindow > 0) keep &= Math.abs(t - u) < s.slidingWindow;
                        out.setAtIndex(ValueLayout.JAVA_FLOAT, i, keep ? 0f : masked);
                        if (zero) out.setAtIndex(ValueLayout.JAVA_FLOAT, total + i, keep ? 1f : 0f);
                    }
                }
                for (int d = lead.length - 1; d >= 0 && ++lead[d] == dims[d]; d--) lead[d] = 0;
            }
        }
    }

    private static long product(long[] dims) {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Row-major strides of a mask, 0 along its axes of length 1 (broadcast). */
    private static long[] broadcastStrides(long[] dims) {
        long[] st = new long[dims.length];
        long stride = 1;
        for (int d = dims.length - 1; d >= 0; d--) {
            st[d] = dims[d] == 1 ? 0 : stride;
            stride *= dims[d];
        }
        return st;
    }
}
