package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Keras' {@code Attention} and {@code AdditiveAttention} at inference as one pipeline on
 * {@code query (B, Tq, D)}, {@code value (B, Tv, Dv)} and {@code key (B, Tv, D)}: the scores
 * (a batched matmul of query and key for the dot form; for the additive forms every query row
 * broadcast beside every key row, added, {@code tanh}, and summed against the scale by a matmul),
 * the padding and causal masks subtracted as {@code 1e9}, a softmax over the keys, the weighted sum
 * of the values, and the query's mask multiplied into the output.
 */
public final class DenseAttentions {
    private DenseAttentions() {
    }

    /** How the scores are computed. */
    public enum Score {
        /** {@code query . key} (Attention's "dot"). */
        DOT,
        /** {@code sum(tanh(query + key))} (Attention's "concat"), scaled inside the tanh when a scale is given. */
        CONCAT,
        /** {@code sum(scale * tanh(query + key))} (AdditiveAttention). */
        ADDITIVE
    }

    /**
     * One call's shapes and what it reads.
     *
     * @param hasKey      a key is input 2
     * @param queryMask   Keras' mask of the query {@code (B, Tq)} is an input (after the others)
     * @param valueMask   Keras' mask of the value {@code (B, Tv)} is an input (after the query's)
     * @param withScores  {@code return_attention_scores}: the output and the weights packed per sample
     * @param whereQuery  a masked query's output row set to zeros (Keras 3's where), not multiplied by
     *                    the mask (tf.keras, which keeps a NaN there)
     */
    public record Shape(long batch, long queries, long keys, long dim, long valueDim, Score score, boolean hasKey,
                        boolean queryMask, boolean valueMask, boolean causal, boolean withScores, boolean whereQuery) {
    }

    /**
     * The weights: {@code scale} (a scalar for DOT and CONCAT; for ADDITIVE {@code (D,)}, or one
     * value broadcast over D as tf.keras' scale of a 1-feature value is) and CONCAT's
     * {@code concatWeight} (a scalar), each null when absent; they outlive the pipeline.
     */
    public record Weights(MemorySegment scale, MemorySegment concatWeight) {
    }

    public static Pipeline build(Shape s, Weights w) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            int valueSlot = b.input(1);
            int keySlot = s.hasKey ? b.input(2) : valueSlot;
            int next = s.hasKey ? 3 : 2;
            int queryMaskSlot = s.queryMask ? b.input(next++) : -1;
            int valueMaskSlot = s.valueMask ? b.input(next) : -1;
            long[] scoreDims = {s.batch, s.queries, s.keys};
            MemoryDesc scores = b.own(MemoryDesc.rowMajor(scoreDims));
            int scoreSlot = b.buffer(scores.byteSize());
            MemoryDesc scalar = b.own(MemoryDesc.rowMajor(1, 1, 1));
            if (s.score == Score.DOT) {
                // query (B, Tq, D) . key seen transposed (B, D, Tv), times the scale
                MemoryDesc q = b.own(MemoryDesc.rowMajor(s.batch, s.queries, s.dim));
                MemoryDesc kT = b.own(MemoryDesc.withStrides(new long[] {s.batch, s.dim, s.keys},
                        new long[] {s.keys * s.dim, 1, s.dim}, dnnl_f32()));
                List<Attributes.PostOp> post = new ArrayList<>();
                List<Pipeline.Arg> args = new ArrayList<>(List.of(Pipeline.Arg.slot(DNNL_ARG_SRC(), q, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_WEIGHTS(), kT, keySlot), Pipeline.Arg.slot(DNNL_ARG_DST(), scores, scoreSlot)));
                if (w.scale != null) {
                    post.add(new Attributes.Binary(dnnl_binary_mul(), scalar));
                    args.add(Pipeline.Arg.constant(Attributes.binaryArg(0), scalar, w.scale));
                }
                b.step(matmul(q, kT, null, scores, post), args.toArray(Pipeline.Arg[]::new));
            } else {
                // every query row beside every key row: (B, Tq, Tv, D), the query broadcast by a zero stride
                long[] pairs = {s.batch, s.queries, s.keys, s.dim};
                MemoryDesc broadcast = b.own(MemoryDesc.withStrides(pairs, new long[] {s.queries * s.dim, s.dim, 0, 1},
                        dnnl_f32()));
                MemoryDesc pairMd = b.own(MemoryDesc.rowMajor(pairs));
                int pairSlot = b.buffer(pairMd.byteSize());
                b.step(Convolutions.reorder(broadcast, pairMd), Pipeline.Arg.slot(DNNL_ARG_FROM(), broadcast, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), pairMd, pairSlot));
                MemoryDesc keyRows = b.own(MemoryDesc.rowMajor(s.batch, 1, s.keys, s.dim));
                MemoryDesc scalar4 = b.own(MemoryDesc.rowMajor(1, 1, 1, 1));
                List<Attributes.PostOp> post = new ArrayList<>();
                List<Pipeline.Arg> args = new ArrayList<>(List.of(Pipeline.Arg.slot(DNNL_ARG_SRC(), pairMd, pairSlot),
                        Pipeline.Arg.slot(DNNL_ARG_SRC_1(), keyRows, keySlot), Pipeline.Arg.slot(DNNL_ARG_DST(), pairMd,
                                pairSlot)));
                if (s.score == Score.CONCAT && w.scale != null) {
                    post.add(new Attributes.Binary(dnnl_binary_mul(), scalar4));
                    args.add(Pipeline.Arg.constant(Attributes.binaryArg(0), scalar4, w.scale));
                }
                post.add(new Attributes.Eltwise(dnnl_eltwise_tanh(), 0f, 0f));
                b.step(Eltwises.binary(dnnl_binary_add(), pairMd, keyRows, post), args.toArray(Pipeline.Arg[]::new));
                // the sum over D against the scale (AdditiveAttention's) or ones, then CONCAT's weight
                MemoryDesc rows = b.own(MemoryDesc.rowMajor(s.batch * s.queries * s.keys, s.dim));
                MemoryDesc column = b.own(MemoryDesc.rowMajor(s.dim, 1));
                MemoryDesc flatScores = b.own(MemoryDesc.rowMajor(s.batch * s.queries * s.keys, 1));
                boolean vector = s.score == Score.ADDITIVE && w.scale != null && w.scale.byteSize() >= s.dim * Float.BYTES;
                MemorySegment weights = vector ? w.scale : ones(b, s.dim);
                List<Attributes.PostOp> sumPost = new ArrayList<>();
                List<Pipeline.Arg> sumArgs = new ArrayList<>(List.of(Pipeline.Arg.slot(DNNL_ARG_SRC(), rows, pairSlot),
                        Pipeline.Arg.constant(DNNL_ARG_WEIGHTS(), column, weights),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), flatScores, scoreSlot)));
                MemoryDesc scalar2 = b.own(MemoryDesc.rowMajor(1, 1));
                MemorySegment factor = s.score == Score.CONCAT ? w.concatWeight
                        : s.score == Score.ADDITIVE && w.scale != null && !vector ? w.scale : null;
                if (factor != null) {
                    sumPost.add(new Attributes.Binary(dnnl_binary_mul(), scalar2));
                    sumArgs.add(Pipeline.Arg.constant(Attributes.binaryArg(0), scalar2, factor));
                }
                b.step(matmul(rows, column, null, flatScores, sumPost), sumArgs.toArray(Pipeline.Arg[]::new));
            }
            if (s.valueMask || s.causal) {
                // Keras subtracts 1e9 where the value's mask or the causal mask leaves a key out
                MemoryDesc adder = b.own(MemoryDesc.rowMajor(s.valueMask ? s.batch : 1, s.queries, s.keys));
                int adderSlot = b.buffer(adder.byteSize());
                if (s.valueMask) {
                    b.javaStep(valueMaskSlot, adderSlot, (mask, out) -> writeAdder(s, mask, out));
                } else {
                    b.javaStep(adderSlot, out -> writeAdder(s, null, out));
                }
                b.step(Merges.binary(dnnl_binary_add(), scores, adder, scores), Pipeline.Arg.slot(DNNL_ARG_SRC(), scores,
                        scoreSlot), Pipeline.Arg.slot(DNNL_ARG_SRC_1(), adder, adderSlot),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), scores, scoreSlot));
            }
            MemoryDesc flat = b.own(MemoryDesc.rowMajor(s.batch * s.queries, s.keys));
            b.step(Convolutions.softmax(flat, 1, false), Pipeline.Arg.slot(DNNL_ARG_SRC(), flat, scoreSlot),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), flat, scoreSlot));
            // the weighted values (B, Tq, Dv); the query's mask multiplied in
            MemoryDesc values = b.own(MemoryDesc.rowMajor(s.batch, s.keys, s.valueDim));
            MemoryDesc out = b.own(MemoryDesc.rowMajor(s.batch, s.queries, s.valueDim));
            int outSlot = s.withScores ? b.buffer(out.byteSize()) : Pipeline.OUTPUT;
            b.step(matmul(scores, values, null, out, List.of()), Pipeline.Arg.slot(DNNL_ARG_SRC(), scores, scoreSlot),
                    Pipeline.Arg.slot(DNNL_ARG_WEIGHTS(), values, valueSlot), Pipeline.Arg.slot(DNNL_ARG_DST(), out, outSlot));
            if (s.queryMask && !s.whereQuery) {
                // a step of its own, not a post-op: the matmul is the same kernel either way, so a kept row is the same bits
                MemoryDesc rowsKept = b.own(MemoryDesc.rowMajor(s.batch, s.queries, 1));
                b.step(Merges.binary(dnnl_binary_mul(), out, rowsKept, out), Pipeline.Arg.slot(DNNL_ARG_SRC(), out, outSlot),
                        Pipeline.Arg.slot(DNNL_ARG_SRC_1(), rowsKept, queryMaskSlot), Pipeline.Arg.slot(DNNL_ARG_DST(), out,
                                outSlot));
            }
            if (s.queryMask && s.whereQuery) {
                b.javaStep(queryMaskSlot, outSlot, (mask, data) -> {
                    for (long row = 0; row < s.batch * s.queries; row++) {
                        if (mask.getAtIndex(ValueLayout.JAVA_FLOAT, row) == 0f) {
                            data.asSlice(row * s.valueDim * Float.BYTES, s.valueDim * Float.BYTES).fill((byte) 0);
                        }
                    }
                });
            }
            if (s.withScores) Attentions.appendPacked(b, s.batch, s.queries * s.valueDim, outSlot, s.queries * s.keys, scoreSlot);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    private static MemorySegment ones(Pipeline.Builder b, long n) {
        MemorySegment m = b.constant(n * Float.BYTES);
        for (long i = 0; i < n; i++) m.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
        return m;
    }

    private static Primitive matmul(MemoryDesc src, MemoryDesc weights, MemoryDesc bias, MemoryDesc dst,
                                    List<Attributes.PostOp> post) {
        try (Attributes attr = new Attributes(post)) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("matmul").md(src).md(weights).md(bias).md(dst).post(post);
            return Primitive.create("dnnl_matmul_primitive_desc_create", replay, (out, a) ->
                    dnnl_matmul_primitive_desc_create(out, Engine.cpu(), src.handle(), weights.handle(),
                            MemoryDesc.nullIfAbsent(bias), dst.handle(), attr.handle()));
        }
    }

    /** {@code -1e9} where the value's mask (cast to booleans) or the causal mask leaves a key out, else 0. */
    private static void writeAdder(Shape s, MemorySegment valueMask, MemorySegment out) {
        long batches = valueMask == null ? 1 : s.batch;
        long i = 0;
        for (long n = 0; n < batches; n++) {
            for (long t = 0; t < s.queries; t++) {
                for (long u = 0; u < s.keys; u++, i++) {
                    boolean keep = valueMask == null || valueMask.getAtIndex(ValueLayout.JAVA_FLOAT, n * s.keys + u) != 0f;
                    if (s.causal) keep &= t >= u;
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, i, keep ? 0f : -1e9f);
                }
            }
        }
    }
}
