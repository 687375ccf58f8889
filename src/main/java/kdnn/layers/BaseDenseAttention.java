package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.runtime.DenseAttentions;
import kdnn.runtime.Pipeline;

/**
 * Keras' dense attention layers, {@code Attention} (Luong) and {@code AdditiveAttention}
 * (Bahdanau), at inference: called on {@code [query, value]} or {@code [query, value, key]}, each
 * {@code (batch, steps, features)}, the output {@code (batch, Tq, value features)}. Keras' masks
 * of the query and the value are read (a masked key is left out by subtracting 1e9 from its
 * score, a masked query's output row is zeros) and the output carries the query's mask;
 * {@code use_causal_mask} and {@code return_attention_scores} are call arguments in Keras, kept as
 * the layer's own here (read from a file's call). Dropout does nothing at inference.
 */
public abstract class BaseDenseAttention extends Layer {
    final boolean useScale;
    final double dropout;
    final boolean causal;
    final boolean returnScores;
    final JsonNode seed;
    // the Keras version whose rules this follows (from the file read), and the value's features once a call builds it
    final KerasVersion version = Layers.readingVersion();
    volatile long builtValueDim = -1;

    BaseDenseAttention(String name, boolean trainable, boolean useScale, double dropout, boolean causal,
                       boolean returnScores, JsonNode seed) {
        super(name, null, trainable);
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new IllegalArgumentException("Invalid value received for argument `dropout`. Expected a float value"
                    + " between 0 and 1. Received: dropout=" + dropout);
        }
        this.useScale = useScale;
        this.dropout = dropout;
        this.causal = causal;
        this.returnScores = returnScores;
        this.seed = seed;
    }

    /** How the scores are computed. */
    abstract DenseAttentions.Score score();

    /** Keras' {@code use_scale}. */
    public final boolean useScale() {
        return useScale;
    }

    /** The call argument {@code use_causal_mask}, fixed for the layer's calls. */
    public final boolean useCausalMask() {
        return causal;
    }

    /** The call argument {@code return_attention_scores}, fixed for the layer's calls. */
    public final boolean returnAttentionScores() {
        return returnScores;
    }

    private String refusal(String why) {
        return "Layer \"" + name() + "\" (" + className() + "): " + why;
    }

    /** [query, value] or [query, value, key], each (batch, steps, features). */
    private List<long[]> roles(List<long[]> shapes) {
        if (shapes.size() != 2 && shapes.size() != 3) {
            throw new IllegalArgumentException(className() + " layer must be called on a list of inputs, namely [query,"
                    + " value] or [query, value, key]. Received " + shapes.size() + " input tensor"
                    + (shapes.size() == 1 ? "" : "s") + " (layer \"" + name() + "\")");
        }
        long[] q = shapes.get(0);
        long[] v = shapes.get(1);
        long[] k = shapes.size() > 2 ? shapes.get(2) : v;
        for (long[] x : List.of(q, v, k)) {
            if (x.length != 3) {
                throw new IllegalArgumentException(refusal("query, value and key must be (batch, steps, features); got "
                        + Shapes.format(q) + ", " + Shapes.format(v) + ", " + Shapes.format(k)));
            }
            if (x[2] <= 0) {
                throw new IllegalArgumentException(refusal("the last axis of each input must be defined and positive;"
                        + " got " + Shapes.format(x)));
            }
        }
        if (v[1] != k[1] && v[1] >= 0 && k[1] >= 0) {
            throw new IllegalArgumentException(refusal("the value " + Shapes.format(v) + " and the key " + Shapes.format(k)
                    + " must have the same number of steps"));
        }
        if (q[2] != k[2]) {
            throw new IllegalArgumentException(refusal("the query's features " + q[2] + " must equal the key's " + k[2]
                    + " (query " + Shapes.format(q) + ", key " + Shapes.format(k) + ")"));
        }
        long batch = -1;
        for (long[] x : List.of(q, v, k)) {
            if (x[0] >= 0 && batch >= 0 && x[0] != batch) {
                throw new IllegalArgumentException(refusal("query, value and key must have the same batch size; got "
                        + Shapes.format(q) + ", " + Shapes.format(v) + ", " + Shapes.format(k)));
            }
            if (x[0] >= 0) batch = x[0];
        }
        if (isBuilt()) {
            long[] built = builtInputShape();
            if (built[2] != q[2]) {
                throw new IllegalArgumentException(refusal("built for query features " + built[2] + "; got "
                        + Shapes.format(q)));
            }
        }
        return List.of(q, v, k);
    }

    /** The output for a query attending to itself: what building the layer for a query's shape checks. */
    @Override
    public final long[] computeOutputShape(long[] inputShape) {
        return computeOutputShapes(List.of(inputShape, inputShape)).get(0);
    }

    /** Keras' outputs: the attention output {@code (B, Tq, Dv)}, then with return_attention_scores the weights {@code (B, Tq, Tv)}. */
    @Override
    public final List<long[]> computeOutputShapes(List<long[]> inputShapes) {
        List<long[]> r = roles(inputShapes);
        long[] q = r.get(0);
        long[] v = r.get(1);
        long batch = q[0] >= 0 ? q[0] : v[0];
        long[] out = {batch, q[1], v[2]};
        return returnScores ? List.of(out, new long[] {batch, q[1], v[1]}) : List.of(out);
    }

    @Override
    public final long[] computeOutputShape(List<long[]> inputShapes) {
        List<long[]> outs = computeOutputShapes(inputShapes);
        return outs.size() == 1 ? outs.get(0) : BaseRecurrent.packed(outs);
    }

    /** Built for the query (AdditiveAttention's scale has its features). */
    @Override
    final long[] buildShape(List<long[]> inputShapes) {
        List<long[]> r = roles(inputShapes);
        if (builtValueDim < 0) builtValueDim = r.get(1)[2];
        return r.get(0);
    }

    /** The weights a call reads: the scale, and Attention's concat weight; null where absent. */
    abstract DenseAttentions.Weights weights();

    @Override
    final Pipeline pipeline(long[] inputShape, Variant variant) {
        throw new IllegalArgumentException(className() + " layer must be called on a list of inputs, namely [query,"
                + " value] or [query, value, key] (layer \"" + name() + "\")");
    }

    @Override
    final long work(long[] inputShape) {
        return Long.MAX_VALUE;
    }

    @Override
    final double runInputs(long[][] shapes, MemorySegment[] inputs, MemorySegment output, Variant variant,
                           double[] bounds) {
        return run(shapes, inputs, false, false, output);
    }

    /** One call: its inputs, then Keras' masks of the query and of the value where marked. */
    private double run(long[][] shapes, MemorySegment[] inputs, boolean queryMask, boolean valueMask,
                       MemorySegment output) {
        long stamp = enter();
        try {
            int n = shapes.length - (queryMask ? 1 : 0) - (valueMask ? 1 : 0);
            List<long[]> list = Arrays.asList(shapes).subList(0, n);
            long[] out = computeOutputShape(list);
            checkOutput(output, out);
            buildFor(buildShape(list));
            if (Shapes.product(out) == 0) return Double.NaN;
            long[] q = shapes[0];
            long[] v = shapes[1];
            long[] key = {q[0], q[1], v[1], q[2], v[2], n, queryMask ? 1 : 0, valueMask ? 1 : 0};
            long work = q[0] * q[1] * v[1] * (q[2] + v[2]);
            // Keras 3 zeros a masked query's row with where (NaN too); tf.keras multiplies by the mask
            boolean where = version == KerasVersion.KERAS_3;
            PipelineCache.Lease lease = pipelines.acquire(key, threads(work < SMALL_WORK), k -> DenseAttentions.build(
                    new DenseAttentions.Shape(k[0], k[1], k[2], k[3], k[4], score(), k[5] == 3, k[6] == 1, k[7] == 1,
                            causal, returnScores, where), weights()));
            try {
                lease.pipeline().execute(inputs, output);
            } finally {
                lease.release();
            }
            return Double.NaN;
        } finally {
            exitCall(stamp);
        }
    }

    /** Keras reads the masks of the query and the value (the key's is not read); the output carries the query's. */
    @Override
    final kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        boolean reads = inputMasked.length > 0 && inputMasked[0] || inputMasked.length > 1 && inputMasked[1];
        return reads ? kdnn.internal.MaskUse.READS_EACH : kdnn.internal.MaskUse.DROPS;
    }

    @Override
    final List<long[]> maskedEachOutputShapes(List<long[]> inputs, boolean[] masked, List<long[]> masks) {
        List<long[]> out = computeOutputShapes(inputs);
        int at = 0;
        for (int i = 0; i < masked.length; i++) {
            if (!masked[i]) continue;
            long[] m = masks.get(at++);
            if (i > 1) continue;
            long[] of = inputs.get(i);
            boolean fits = m.length == 2 && (m[0] == of[0] || m[0] < 0 || of[0] < 0) && (m[1] == of[1] || m[1] < 0 || of[1] < 0);
            if (!fits) {
                throw new IllegalArgumentException(refusal("Keras' mask of its " + (i == 0 ? "query " : "value ")
                        + Shapes.format(of) + " must be (batch, steps); got " + Shapes.format(m)));
            }
        }
        return out;
    }

    @Override
    final double runMaskedEach(long[][] shapes, MemorySegment[] inputs, boolean[] masked, long[][] maskShapes,
                               MemorySegment[] masks, MemorySegment output) {
        maskedEachOutputShapes(Arrays.asList(shapes), masked, Arrays.asList(maskShapes));
        boolean queryMask = masked.length > 0 && masked[0];
        boolean valueMask = masked.length > 1 && masked[1];
        List<long[]> allShapes = new ArrayList<>(Arrays.asList(shapes));
        List<MemorySegment> all = new ArrayList<>(Arrays.asList(inputs));
        if (queryMask) {
            allShapes.add(maskShapes[0]);
            all.add(masks[0]);
        }
        if (valueMask) {
            allShapes.add(maskShapes[queryMask ? 1 : 0]);
            all.add(masks[queryMask ? 1 : 0]);
        }
        return run(allShapes.toArray(long[][]::new), all.toArray(MemorySegment[]::new), queryMask, valueMask, output);
    }

    /**
     * Runs the layer on its inputs with Keras' masks of the query and the value (either may be
     * null), as a model does where an Embedding's or a Masking's mask reaches it; returns its
     * outputs, new tensors the caller owns.
     */
    public final List<kdnn.Tensor> callAll(List<kdnn.Tensor> inputs, kdnn.Tensor queryMask, kdnn.Tensor valueMask) {
        ensureOpen();
        boolean[] masked = new boolean[inputs.size()];
        List<kdnn.Tensor> all = new ArrayList<>(inputs);
        if (queryMask != null && masked.length > 0) {
            masked[0] = true;
            all.add(queryMask);
        }
        if (valueMask != null && masked.length > 1) {
            masked[1] = true;
            all.add(valueMask);
        }
        if (all.size() == inputs.size()) return callAll(inputs);
        return kdnn.internal.LayerBridge.get().maskedEachCall(this, masked).callAll(all);
    }

    /** The keys every dense attention's config has after the base: dropout, and the call arguments kept here. */
    final void commonConfig(ObjectNode c) {
        c.put("dropout", dropout);
        if (seed != null) c.set("seed", seed);
        if (causal) c.put("use_causal_mask", true);
        if (returnScores) c.put("return_attention_scores", true);
    }
}
