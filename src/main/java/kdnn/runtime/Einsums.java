package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A two-operand einsum against a constant kernel ({@code y = einsum(x, w) + bias}, Keras'
 * EinsumDense) as one oneDNN matmul. Each letter of the equation plays one part: in the input,
 * kernel and output a batch axis of the matmul ({@code B}); in the input and output a row
 * ({@code M}); in the kernel and output a column ({@code N}); in the input and kernel, or the input
 * alone, a sum ({@code K}; the kernel is constant along an input-only letter, a zero stride when it
 * is packed). Rows and batch axes run in the output's order, sums in the input's. So
 * {@code (B, M, K) x (B, K, N) -> (B, M, N)}, with a reorder before it only where the input's axes
 * are in another order, and one after it only where the output's are. The kernel is reordered once
 * (and again after set-weights) into the matmul's layout. A bias along columns only is the matmul's;
 * another is one broadcast binary add after it, carrying the activation.
 */
public final class Einsums {
    private Einsums() {
    }

    /**
     * The equation's operands: each one's letters (no letter twice) and lengths, row-major.
     * @param bias the bias's lengths over the output's axes (1 where it does not vary), or null
     */
    public record Spec(String input, long[] inputDims, String kernel, long[] kernelDims, String output,
                       long[] outputDims, long[] bias) {
    }

    /**
     * @param kernel the kernel's values, row-major over {@link Spec#kernelDims}; outlives the pipeline
     * @param bias the bias's values, row-major over {@link Spec#bias}, or null
     * @param postOps the activation, after the bias
     * @param tail what runs on the output after it (a softmax over its last axis)
     */
    public static Pipeline contraction(Spec s, MemorySegment kernel, MemorySegment bias,
                                       List<Attributes.Eltwise> postOps, Convolutions.Tail tail) {
        String rows = "";
        String batch = "";
        String columns = "";
        for (char c : s.output().toCharArray()) {
            boolean x = s.input().indexOf(c) >= 0;
            boolean w = s.kernel().indexOf(c) >= 0;
            if (x && w) batch += c; else if (x) rows += c; else columns += c;
        }
        String sums = "";
        for (char c : s.input().toCharArray()) if (s.output().indexOf(c) < 0) sums += c;
        long bt = size(s, batch);
        long mt = size(s, rows);
        long kt = size(s, sums);
        long nt = size(s, columns);
        boolean batched = !batch.isEmpty();
        Pipeline.Builder b = Pipeline.builder();
        try {
            // 1. the input as (B, M, K): in place when its axes are in that order, else reordered once per call
            String inOrder = batch + rows + sums;
            int src = Pipeline.INPUT;
            if (!inOrder.equals(s.input())) {
                src = b.buffer(bt * mt * kt * Float.BYTES);
                MemoryDesc view = b.own(view(s.input(), s.inputDims(), inOrder, s, false));
                MemoryDesc dense = b.own(MemoryDesc.rowMajor(dims(s, inOrder)));
                b.step(Convolutions.reorder(view, dense), Pipeline.Arg.slot(DNNL_ARG_FROM(), view, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), dense, src));
            }
            // 2. the bias: the matmul's when it varies along columns alone
            boolean biasOnColumns = s.bias() != null && !columns.isEmpty();
            for (int a = 0; s.bias() != null && a < s.bias().length; a++) {
                if (s.bias()[a] > 1 && columns.indexOf(s.output().charAt(a)) < 0) biasOnColumns = false;
            }
            boolean biasAfter = s.bias() != null && !biasOnColumns;
            // the activation fused where oneDNN runs it well, else after the output's last step
            List<Attributes.Eltwise> matmulPostOps = biasAfter ? List.of()
                    : postOps.subList(0, Eltwises.fusedInProducts(postOps));
            List<Attributes.Eltwise> laterPostOps = biasAfter ? List.of()
                    : postOps.subList(matmulPostOps.size(), postOps.size());
            MemoryDesc srcMd = b.own(batched ? MemoryDesc.rowMajor(bt, mt, kt) : MemoryDesc.rowMajor(mt, kt));
            MemoryDesc dstMd = b.own(batched ? MemoryDesc.rowMajor(bt, mt, nt) : MemoryDesc.rowMajor(mt, nt));
            MemoryDesc biasMd = biasOnColumns ? b.own(batched ? MemoryDesc.rowMajor(1, 1, nt) : MemoryDesc.rowMajor(1, nt))
                    : null;
            long[] weightDims = batched ? new long[] {bt, kt, nt} : new long[] {kt, nt};
            Primitive matmul;
            try (MemoryDesc anyWeights = MemoryDesc.any(weightDims, dnnl_f32()); Attributes attr = new Attributes(matmulPostOps)) {
                Threads.applyToCurrentThread();
                MemorySegment biasHandle = MemoryDesc.nullIfAbsent(biasMd);
                Replay replay = Replay.of("matmul").md(srcMd).md(anyWeights).md(biasMd).md(dstMd).post(matmulPostOps);
                matmul = b.own(Primitive.create("dnnl_matmul_primitive_desc_create", replay, (out, a) ->
                        dnnl_matmul_primitive_desc_create(out, Engine.cpu(), srcMd.handle(), anyWeights.handle(),
                                biasHandle, dstMd.handle(), attr.handle())));
            }
            // 3. the kernel as (B, K, N), once: a zero stride along a letter it lacks, then the matmul's layout
            String kernelOrder = batch + sums + columns;
            MemoryDesc kernelView = b.own(view(s.kernel(), s.kernelDims(), kernelOrder, s, true));
            MemoryDesc kernelPlain = b.own(MemoryDesc.rowMajor(dims(s, kernelOrder)));
            MemoryDesc packed = matmul.query(dnnl_query_weights_md(), 0);
            MemoryDesc plainWeights = b.own(MemoryDesc.rowMajor(weightDims));
            MemorySegment plain = b.constant(bt * kt * nt * Float.BYTES);
            b.prepareStep(Convolutions.reorder(kernelView, kernelPlain), Pipeline.Arg.constant(DNNL_ARG_FROM(), kernelView,
                    kernel), Pipeline.Arg.constant(DNNL_ARG_TO(), kernelPlain, plain));
            MemorySegment weights = plain;
            if (!plainWeights.sameLayout(packed)) {
                weights = b.constant(packed.byteSize());
                b.prepareStep(Convolutions.reorder(plainWeights, packed), Pipeline.Arg.constant(DNNL_ARG_FROM(),
                        plainWeights, plain), Pipeline.Arg.constant(DNNL_ARG_TO(), packed, weights));
            }
            MemorySegment columnBias = null;
            if (biasOnColumns) {
                // the bias along the columns, in their order
                MemoryDesc biasView = b.own(MemoryDesc.withStrides(dims(s, columns), strides(s.output(), s.bias(), columns),
                        dnnl_f32()));
                MemoryDesc biasPlain = b.own(MemoryDesc.rowMajor(dims(s, columns)));
                columnBias = b.constant(nt * Float.BYTES);
                b.prepareStep(Convolutions.reorder(biasView, biasPlain), Pipeline.Arg.constant(DNNL_ARG_FROM(), biasView,
                        bias), Pipeline.Arg.constant(DNNL_ARG_TO(), biasPlain, columnBias));
            }
            // 4. the matmul, into the output when its axes are (B, M, N), else reordered after it
            String outOrder = batch + rows + columns;
            boolean inPlace = outOrder.equals(s.output());
            int dst = inPlace ? Pipeline.OUTPUT : b.buffer(bt * mt * nt * Float.BYTES);
            Pipeline.Arg[] args = biasOnColumns
                    ? new Pipeline.Arg[] {Pipeline.Arg.slot(DNNL_ARG_SRC(), srcMd, src),
                        Pipeline.Arg.constant(DNNL_ARG_WEIGHTS(), packed, weights),
                        Pipeline.Arg.constant(DNNL_ARG_BIAS(), biasMd, columnBias), Pipeline.Arg.slot(DNNL_ARG_DST(), dstMd, dst)}
                    : new Pipeline.Arg[] {Pipeline.Arg.slot(DNNL_ARG_SRC(), srcMd, src),
                        Pipeline.Arg.constant(DNNL_ARG_WEIGHTS(), packed, weights), Pipeline.Arg.slot(DNNL_ARG_DST(), dstMd, dst)};
            b.step(matmul, args);
            MemoryDesc outMd = b.own(MemoryDesc.rowMajor(s.outputDims()));
            if (!inPlace) {
                MemoryDesc from = b.own(MemoryDesc.rowMajor(dims(s, outOrder)));
                MemoryDesc to = b.own(view(s.output(), s.outputDims(), outOrder, s, false));
                b.step(Convolutions.reorder(from, to), Pipeline.Arg.slot(DNNL_ARG_FROM(), from, dst),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), to, Pipeline.OUTPUT));
            }
            // 5. a bias along rows or batch axes: one broadcast add over the output, the activation after it
            if (biasAfter) {
                MemoryDesc biasMdFull = b.own(MemoryDesc.rowMajor(s.bias()));
                b.step(Eltwises.binary(dnnl_binary_add(), outMd, biasMdFull, new java.util.ArrayList<>(postOps)),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), outMd, Pipeline.OUTPUT),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), biasMdFull, bias),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), outMd, Pipeline.OUTPUT));
            }
            Eltwises.appendInPlace(b, bt * mt * nt, Pipeline.OUTPUT, laterPostOps);
            Convolutions.appendTail(b, outMd, tail);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    private static long size(Spec s, String letters) {
        long n = 1;
        for (char c : letters.toCharArray()) n *= length(s, c);
        return n;
    }

    private static long length(Spec s, char c) {
        int i = s.input().indexOf(c);
        if (i >= 0) return s.inputDims()[i];
        i = s.kernel().indexOf(c);
        if (i >= 0) return s.kernelDims()[i];
        return s.outputDims()[s.output().indexOf(c)];
    }

    private static long[] dims(Spec s, String letters) {
        long[] d = new long[letters.length()];
        for (int i = 0; i < d.length; i++) d[i] = length(s, letters.charAt(i));
        return d;
    }

    /** The strides of a row-major tensor of these letters and lengths, taken in {@code order} (0 for a letter it lacks). */
    private static long[] strides(String letters, long[] lengths, String order) {
        long[] own = MemoryDesc.rowMajorStrides(lengths);
        long[] out = new long[order.length()];
        for (int i = 0; i < out.length; i++) {
            int a = letters.indexOf(order.charAt(i));
            out[i] = a < 0 || lengths[a] == 1 ? 0 : own[a];
        }
        return out;
    }

    /** A row-major tensor of these letters seen with its axes in {@code order}; {@code zeros}: absent letters broadcast. */
    private static MemoryDesc view(String letters, long[] lengths, String order, Spec s, boolean zeros) {
        long[] own = MemoryDesc.rowMajorStrides(lengths);
        long[] strides = new long[order.length()];
        for (int i = 0; i < strides.length; i++) {
            int a = letters.indexOf(order.charAt(i));
            if (a < 0 && !zeros) throw new IllegalStateException("letter " + order.charAt(i) + " not in " + letters);
            strides[i] = a < 0 ? 0 : own[a];
        }
        return MemoryDesc.withStrides(dims(s, order), strides, dnnl_f32());
    }

    /**
     * {@code einsum(subscripts, x, y)} of two row-major tensors, as one oneDNN matmul: each operand laid out as
     * {@code (B, M, K)} and {@code (B, K, N)} by a reorder (none where it already is), the product written into the
     * output, or reordered into its order after. A letter of {@code out} in both operands is a batch axis of the
     * matmul ({@code B}), in one a row ({@code M}) or column ({@code N}); a letter not in {@code out} is summed
     * ({@code K}), the other operand read with a zero stride along it where it lacks it. No letter twice in one
     * operand; every letter's lengths agree.
     */
    public static Pipeline ofTensors(String x, long[] xDims, String y, long[] yDims, String out, long[] outDims) {
        java.util.Map<Character, Long> length = new java.util.HashMap<>();
        for (int i = 0; i < x.length(); i++) length.put(x.charAt(i), xDims[i]);
        for (int i = 0; i < y.length(); i++) length.put(y.charAt(i), yDims[i]);
        String batch = "", rows = "", columns = "", sums = "";
        for (char c : out.toCharArray()) {
            boolean inX = x.indexOf(c) >= 0, inY = y.indexOf(c) >= 0;
            if (inX && inY) batch += c; else if (inX) rows += c; else columns += c;
        }
        for (char c : (x + y).toCharArray()) if (out.indexOf(c) < 0 && sums.indexOf(c) < 0) sums += c;
        Pipeline.Builder b = Pipeline.builder();
        try {
            boolean empty = false;
            for (long n : length.values()) empty |= n == 0;
            if (empty) {
                // sums over nothing are zeros, as NumPy and TensorFlow give them; an empty output has nothing to write
                b.javaStep(Pipeline.OUTPUT, o -> o.fill((byte) 0));
                return b.build();
            }
            long bt = size(length, batch), mt = size(length, rows), kt = size(length, sums), nt = size(length, columns);
            int src = laidOut(b, Pipeline.INPUT, x, xDims, batch + rows + sums, length);
            int weights = laidOut(b, b.input(1), y, yDims, batch + sums + columns, length);
            MemoryDesc srcMd = b.own(MemoryDesc.rowMajor(bt, mt, kt));
            MemoryDesc weightsMd = b.own(MemoryDesc.rowMajor(bt, kt, nt));
            MemoryDesc dstMd = b.own(MemoryDesc.rowMajor(bt, mt, nt));
            Primitive matmul;
            try (Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("matmul").md(srcMd).md(weightsMd).md(null).md(dstMd).post(List.of());
                matmul = b.own(Primitive.create("dnnl_matmul_primitive_desc_create", replay, (o, a) ->
                        dnnl_matmul_primitive_desc_create(o, Engine.cpu(), srcMd.handle(), weightsMd.handle(),
                                MemorySegment.NULL, dstMd.handle(), attr.handle())));
            }
            String product = batch + rows + columns;
            int dst = product.equals(out) ? Pipeline.OUTPUT : b.buffer(Math.multiplyExact(bt * mt * nt, (long) Float.BYTES));
            b.step(matmul, Pipeline.Arg.slot(DNNL_ARG_SRC(), srcMd, src), Pipeline.Arg.slot(DNNL_ARG_WEIGHTS(), weightsMd,
                    weights), Pipeline.Arg.slot(DNNL_ARG_DST(), dstMd, dst));
            if (dst != Pipeline.OUTPUT) {
                // the product's axes into the output's order
                MemoryDesc from = b.own(MemoryDesc.rowMajor(lengths(length, product)));
                MemoryDesc to = b.own(seen(out, outDims, product, false, length));
                b.step(Convolutions.reorder(from, to), Pipeline.Arg.slot(DNNL_ARG_FROM(), from, dst),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), to, Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** The operand in {@code slot} laid out row-major in {@code order}: in place where it already is, else reordered once per call. */
    private static int laidOut(Pipeline.Builder b, int slot, String letters, long[] dims, String order,
                               java.util.Map<Character, Long> length) {
        if (order.equals(letters)) return slot;
        long[] orderDims = lengths(length, order);
        long values = 1;
        for (long d : orderDims) values = Math.multiplyExact(values, d);
        int to = b.buffer(Math.multiplyExact(values, (long) Float.BYTES));
        MemoryDesc view = b.own(seen(letters, dims, order, true, length));
        MemoryDesc dense = b.own(MemoryDesc.rowMajor(orderDims));
        b.step(Convolutions.reorder(view, dense), Pipeline.Arg.slot(DNNL_ARG_FROM(), view, slot),
                Pipeline.Arg.slot(DNNL_ARG_TO(), dense, to));
        return to;
    }

    /** A row-major tensor of these letters seen in {@code order}; {@code zeros}: a letter it lacks read with stride 0. */
    private static MemoryDesc seen(String letters, long[] dims, String order, boolean zeros,
                                   java.util.Map<Character, Long> length) {
        long[] own = MemoryDesc.rowMajorStrides(dims);
        long[] viewDims = new long[order.length()];
        long[] strides = new long[order.length()];
        for (int i = 0; i < strides.length; i++) {
            int a = letters.indexOf(order.charAt(i));
            if (a < 0 && !zeros) throw new IllegalStateException("letter " + order.charAt(i) + " not in " + letters);
            viewDims[i] = length.get(order.charAt(i));
            strides[i] = a < 0 ? 0 : own[a];
        }
        return MemoryDesc.withStrides(viewDims, strides, dnnl_f32());
    }

    private static long size(java.util.Map<Character, Long> length, String letters) {
        long n = 1;
        for (char c : letters.toCharArray()) n = Math.multiplyExact(n, length.get(c));
        return n;
    }

    private static long[] lengths(java.util.Map<Character, Long> length, String letters) {
        long[] d = new long[letters.length()];
        for (int i = 0; i < d.length; i++) d[i] = length.get(letters.charAt(i));
        return d;
    }
}
