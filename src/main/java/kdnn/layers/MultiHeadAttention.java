package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;
import kdnn.runtime.Attentions;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code MultiHeadAttention} at inference: {@code num_heads} heads, each projecting the
 * query and the key to {@code key_dim} and the value to {@code value_dim}, weighting the values
 * by the softmax of the scaled dot products over the attention axes, and one output projection
 * of all heads. Called on {@code [query, value]}, {@code [query, value, key]} or {@code [query,
 * value, key, attention_mask]} (a file's call with a mask and no key gives the value as the key,
 * which is Keras' default); {@code use_causal_mask} is an argument of the layer here, read from
 * the call in a file. Dropout does nothing at inference. Weights in Keras' order and shapes:
 * query, key, value and output kernels and biases, {@code (features, heads, size)},
 * {@code (heads, size)} and {@code (heads, value_dim, output...)}, {@code (output...)}.
 */
public final class MultiHeadAttention extends Layer {
    /** Keras' class name, {@code "MultiHeadAttention"}. */
    public static final String CLASS_NAME = "MultiHeadAttention";
    /**
     * Keras 3's {@code GroupedQueryAttention}: this layer with {@code num_key_value_heads} key and value
     * heads, each shared by {@code num_query_heads / num_key_value_heads} query heads (Keras repeats
     * the projected heads, {@code ops.repeat(key, n, axis=2)}; here their kernels and biases are
     * repeated once per weight change, which projects the same values), rank-3 inputs, query and value
     * of one feature size, no output_shape, attention_axes or gate.
     */
    public static final String GROUPED_CLASS_NAME = "GroupedQueryAttention";

    private final int numHeads;
    private final int keyDim;
    private final int valueDim;
    private final boolean valueDimGiven;
    private final double dropout;
    private final boolean useBias;
    private final int[] outputShape;
    private final int[] attentionAxes;
    private final boolean causal;
    private final boolean useGate;
    private final Integer slidingWindow;
    private final boolean robustMasking;
    private final boolean returnScores;
    private final KernelArguments weights;
    private final JsonNode seed;
    // the value's and the key's features, known once a call's shapes build the layer
    private volatile long[] valueAndKeyDims;
    // the Keras version whose attention this computes (from the file read, as Layers.readingVersion says)
    private final KerasVersion version = Layers.readingVersion();
    private volatile boolean givenMask;
    // GroupedQueryAttention's key and value heads (null: MultiHeadAttention), and its key and value
    // kernels and biases with each head repeated for the query heads it serves
    private final Integer keyValueHeads;
    private final MemorySegment[] repeated = new MemorySegment[4];

    private MultiHeadAttention(Builder b) {
        super(b.name, null, b.trainable);
        this.numHeads = b.numHeads;
        this.keyDim = b.keyDim;
        this.valueDimGiven = b.valueDim != null;
        this.valueDim = b.valueDim != null ? b.valueDim : b.keyDim;
        this.dropout = b.dropout;
        this.useBias = b.useBias;
        this.outputShape = b.outputShape;
        this.attentionAxes = b.attentionAxes;
        this.causal = b.useCausalMask;
        this.useGate = b.useGate;
        this.slidingWindow = b.slidingWindow;
        this.robustMasking = b.robustMasking;
        this.returnScores = b.returnScores;
        this.weights = b.weights;
        this.seed = b.seed;
        this.keyValueHeads = b.keyValueHeads;
    }

    /** A builder with Keras' defaults. */
    public static Builder builder(int numHeads, int keyDim) {
        return new Builder().numHeads(numHeads).keyDim(keyDim);
    }

    /** Keras' {@code from_config}; a file's call argument {@code use_causal_mask} is given here as a config key. */
    public static MultiHeadAttention fromConfig(JsonNode config) {
        return new Builder().fromConfig(config).build();
    }

    /** Keras 3's GroupedQueryAttention: {@code head_dim}, {@code num_query_heads}, {@code num_key_value_heads}. */
    public static Builder groupedBuilder(int headDim, int numQueryHeads, int numKeyValueHeads) {
        return new Builder().numHeads(numQueryHeads).keyDim(headDim).keyValueHeads(numKeyValueHeads);
    }

    /** Keras 3's GroupedQueryAttention {@code from_config}. */
    public static MultiHeadAttention fromGroupedConfig(JsonNode config) {
        return new Builder().fromGroupedConfig(config).build();
    }

    @Override
    public String className() {
        return keyValueHeads == null ? CLASS_NAME : GROUPED_CLASS_NAME;
    }

    /** GroupedQueryAttention's {@code num_key_value_heads}, or null for a MultiHeadAttention. */
    public Integer keyValueHeads() {
        return keyValueHeads;
    }

    /** Keras' {@code num_heads}. */
    public int numHeads() {
        return numHeads;
    }

    /** Keras' {@code key_dim}. */
    public int keyDim() {
        return keyDim;
    }

    /** Keras' {@code value_dim} (its {@code key_dim} when not given). */
    public int valueDim() {
        return valueDim;
    }

    /** Keras 3's {@code use_gate}. */
    public boolean useGate() {
        return useGate;
    }

    /** Keras 3's {@code sliding_window}, or null. */
    public Integer slidingWindow() {
        return slidingWindow;
    }

    /** tf-keras' {@code softmax_robust_masking}. */
    public boolean softmaxRobustMasking() {
        return robustMasking;
    }

    /** The call argument {@code return_attention_scores}, fixed for the layer's calls. */
    public boolean returnAttentionScores() {
        return returnScores;
    }

    /** The call argument {@code use_causal_mask}, fixed for the layer's calls. */
    public boolean useCausalMask() {
        return causal;
    }

    /**
     * How a score whose key is masked is removed, by the Keras version and the path it takes there:
     * it decides a query position whose every key is masked (tf.keras: near-even weights; Keras 3's
     * dot_product_attention, taken without dropout on rank-3 inputs: even weights; Keras 3's
     * Softmax otherwise: zeros).
     */
    private Attentions.Masked maskedScores(KerasVersion v, int queryRank) {
        if (keyValueHeads != null) v = KerasVersion.KERAS_3; // Keras 3's layer
        if (v != KerasVersion.KERAS_3) return robustMasking ? Attentions.Masked.WHERE : Attentions.Masked.ADD;
        return dropout == 0 && queryRank == 3 && !returnScores ? Attentions.Masked.WHERE : Attentions.Masked.ZERO;
    }

    /**
     * What a query position whose every key is masked gets under Keras version {@code v}, for the
     * query this layer is built for: {@code "zeros"} or {@code "even weights"}.
     */
    public String fullyMaskedQuery(KerasVersion v) {
        long[] built = builtInputShape();
        int rank = built == null ? 3 : built.length;
        return maskedScores(v, rank) == Attentions.Masked.ZERO ? "zeros" : "even weights";
    }

    /** Keras' {@code dropout} (nothing at inference, but Keras 3 takes another path with it). */
    public double dropout() {
        return dropout;
    }

    /** Whether a call has given this layer an attention_mask (its treatment differs between Keras versions). */
    public boolean givenAttentionMask() {
        return givenMask;
    }

    /** The roles of a call's inputs. */
    private record Call(long[] query, long[] value, long[] key, long[] mask) {
    }

    private Call roles(List<long[]> shapes) {
        int n = shapes.size();
        if (n < 2 || n > 4) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention) is called on [query, value],"
                    + " [query, value, key] or [query, value, key, attention_mask], but it received " + n
                    + " input tensor" + (n == 1 ? "" : "s"));
        }
        return new Call(shapes.get(0), shapes.get(1), n > 2 ? shapes.get(2) : shapes.get(1), n > 3 ? shapes.get(3) : null);
    }

    /** The attention axes of a query of this rank, 0-based among its axes between the batch and the features. */
    private int[] attention(int rank) {
        if (attentionAxes == null) {
            int[] all = new int[rank - 2];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] out = new int[attentionAxes.length];
        for (int i = 0; i < out.length; i++) {
            int a = attentionAxes[i];
            if (a < 0 && version == KerasVersion.KERAS_3) a += rank; // Keras 3: (projected rank - 1) + axis, the input's rank + axis
            if (a < 1 || a > rank - 2) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): attention_axes="
                        + Arrays.toString(attentionAxes) + " must name axes between the batch and the features (1 to "
                        + (rank - 2) + ") of a query of rank " + rank
                        + (attentionAxes[i] < 0 ? " (tf.keras does not resolve a negative axis)" : ""));
            }
            out[i] = a - 1;
        }
        // the output does not depend on their order (one softmax over all of them)
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): attention_axes="
                        + Arrays.toString(attentionAxes) + " names axis " + (out[i] + 1) + " twice");
            }
        }
        return out;
    }

    private long[] outputDims(long query) {
        if (outputShape == null) return new long[] {query};
        long[] o = new long[outputShape.length];
        for (int i = 0; i < o.length; i++) o[i] = outputShape[i];
        return o;
    }

    @Override
    public long[] computeOutputShape(long[] inputShape) {
        long[] dims = valueAndKeyDims;
        if (dims == null) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention) needs the value's shape too:"
                    + " call it on [query, value] or build it with build(query, value, key)");
        }
        long[] value = inputShape.clone();
        value[value.length - 1] = dims[0];
        long[] key = inputShape.clone();
        key[key.length - 1] = dims[1];
        return attentionOutput(List.of(inputShape, value, key));
    }

    /** With return_attention_scores, the output and the scores packed per sample; else the output. */
    @Override
    public long[] computeOutputShape(List<long[]> inputShapes) {
        List<long[]> outs = computeOutputShapes(inputShapes);
        return outs.size() == 1 ? outs.get(0) : BaseRecurrent.packed(outs);
    }

    /**
     * Keras' outputs: the attention output, then with {@code return_attention_scores} the scores
     * {@code (batch, other axes..., heads, query attention axes..., key attention axes...)}.
     */
    @Override
    public List<long[]> computeOutputShapes(List<long[]> inputShapes) {
        long[] out = attentionOutput(inputShapes);
        if (!returnScores) return List.of(out);
        Call c = roles(inputShapes);
        return List.of(out, scoreDims(c, attention(c.query.length)));
    }

    private long[] attentionOutput(List<long[]> inputShapes) {
        Call c = roles(inputShapes);
        long[] q = c.query;
        long[] v = c.value;
        long[] k = c.key;
        if (q.length < 3) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): the query must have rank 3"
                    + " or more (batch, positions..., features), got " + Shapes.format(q));
        }
        if (v.length != q.length || k.length != q.length) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): query, value and key must"
                    + " have the same rank; got " + Shapes.format(q) + ", " + Shapes.format(v) + ", " + Shapes.format(k));
        }
        int rank = q.length;
        if (keyValueHeads != null) groupedShapes(q, v, k);
        int[] att = attention(rank);
        for (int i = 1; i < rank - 1; i++) {
            if (k[i] != v[i] && k[i] >= 0 && v[i] >= 0) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): the key " + Shapes.format(k)
                        + " must have the value's shape " + Shapes.format(v) + " but for the features");
            }
            boolean isAttention = Arrays.binarySearch(att, i - 1) >= 0;
            if (!isAttention && q[i] != v[i] && q[i] >= 0 && v[i] >= 0) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): axis " + i + " is not an"
                        + " attention axis (attention_axes=" + Arrays.toString(attentionAxes) + "), so the query "
                        + Shapes.format(q) + " and the value " + Shapes.format(v) + " must agree on it");
            }
        }
        for (long[] s : List.of(q, v, k)) {
            if (s[rank - 1] <= 0) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): the last axis of each"
                        + " input must be defined and positive; got " + Shapes.format(s));
            }
        }
        if (q[0] >= 0 && v[0] >= 0 && q[0] != v[0] || v[0] >= 0 && k[0] >= 0 && v[0] != k[0]) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): query, value and key must"
                    + " have the same batch size; got " + Shapes.format(q) + ", " + Shapes.format(v) + ", " + Shapes.format(k));
        }
        if (isBuilt()) {
            long[] built = builtInputShape();
            long[] dims = valueAndKeyDims;
            if (q[rank - 1] != built[built.length - 1] || v[rank - 1] != dims[0] || k[rank - 1] != dims[1]) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention) is built for query, value"
                        + " and key features " + built[built.length - 1] + ", " + dims[0] + ", " + dims[1] + "; got "
                        + q[rank - 1] + ", " + v[rank - 1] + ", " + k[rank - 1]);
            }
        }
        if (c.mask != null) expandedMask(c, att);
        if ((causal || slidingWindow != null) && rank != 3) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): " + (causal
                    ? "use_causal_mask" : "sliding_window") + " takes inputs of rank 3 (batch, positions, features), got "
                    + Shapes.format(q));
        }
        long[] outDims = outputDims(q[rank - 1]);
        long[] out = new long[rank - 1 + outDims.length];
        System.arraycopy(q, 0, out, 0, rank - 1);
        System.arraycopy(outDims, 0, out, rank - 1, outDims.length);
        return out;
    }

    /** GroupedQueryAttention's rules: rank-3 inputs, the query's and the value's features equal (Keras' wording). */
    private void groupedShapes(long[] q, long[] v, long[] k) {
        if (q.length != 3) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (GroupedQueryAttention) takes inputs of rank 3"
                    + " (batch, positions, features), got " + Shapes.format(q));
        }
        if (q[2] != v[2]) {
            throw new IllegalArgumentException("The last dimension of `query_shape` and `value_shape` must be equal, but are "
                    + q[2] + ", " + v[2] + ". Received: query_shape=" + Shapes.format(q) + ", value_shape="
                    + Shapes.format(v) + " (layer \"" + name() + "\")");
        }
        if (v[1] != k[1] && v[1] >= 0 && k[1] >= 0) {
            throw new IllegalArgumentException("All dimensions of `value` and `key`, except the last one, must be equal."
                    + " Received: value_shape=" + Shapes.format(v) + " and key_shape=" + Shapes.format(k) + " (layer \""
                    + name() + "\")");
        }
    }

    /** The scores' dims, {@code (batch, other axes..., heads, query attention axes..., key attention axes...)}. */
    private long[] scoreDims(Call c, int[] att) {
        int rank = c.query.length;
        List<Long> d = new ArrayList<>();
        d.add(c.query[0]);
        for (int i = 0; i < rank - 2; i++) if (Arrays.binarySearch(att, i) < 0) d.add(c.query[i + 1]);
        d.add((long) numHeads);
        for (int a : att) d.add(c.query[a + 1]);
        for (int a : att) d.add(c.value[a + 1]);
        return d.stream().mapToLong(Long::longValue).toArray();
    }

    /** Keras' expansion of the attention mask to the scores' rank (axes inserted before the attention block). */
    private long[] expandedMask(Call c, int[] att) {
        long[] scores = scoreDims(c, att);
        long[] m = c.mask;
        if (m.length > scores.length || m.length < 2 * att.length + 1) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): attention_mask "
                    + Shapes.format(m) + " does not fit the attention scores " + Shapes.format(scores)
                    + " (expected (batch, query positions..., key positions...))");
        }
        long[] e = new long[scores.length];
        int insert = scores.length - m.length;
        int block = m.length - 2 * att.length; // Keras expands at axis -2 * len(attention_axes) - 1
        int at = 0;
        for (int i = 0; i < block; i++) e[at++] = m[i];
        for (int i = 0; i < insert; i++) e[at++] = 1;
        for (int i = block; i < m.length; i++) e[at++] = m[i];
        for (int i = 0; i < e.length; i++) {
            boolean fits = e[i] == 1 || e[i] == scores[i] || e[i] < 0 || scores[i] < 0;
            if (!fits) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): attention_mask "
                        + Shapes.format(m) + " does not broadcast to the attention scores " + Shapes.format(scores));
            }
        }
        return e;
    }

    /** Built for the query; the value's and key's features are kept beside (Keras' build(query, value, key)). */
    @Override
    long[] buildShape(List<long[]> inputShapes) {
        Call c = roles(inputShapes);
        computeOutputShape(inputShapes);
        recordDims(c.value[c.value.length - 1], c.key[c.key.length - 1]);
        if (c.mask != null) givenMask = true;
        return c.query;
    }

    private synchronized void recordDims(long value, long key) {
        long[] dims = valueAndKeyDims;
        if (dims == null) {
            valueAndKeyDims = new long[] {value, key};
        } else if (dims[0] != value || dims[1] != key) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention) is built for value and key"
                    + " features " + dims[0] + " and " + dims[1] + "; got " + value + " and " + key);
        }
    }

    /** Keras' {@code build(query_shape, value_shape, key_shape)}: creates the weights. */
    public void build(long[] query, long[] value, long[] key) {
        List<long[]> shapes = List.of(query, value, key == null ? value : key);
        build(buildShape(shapes));
    }

    @Override
    protected void createWeights(long[] inputShape) {
        int q = Math.toIntExact(inputShape[inputShape.length - 1]);
        int v = Math.toIntExact(valueAndKeyDims[0]);
        int k = Math.toIntExact(valueAndKeyDims[1]);
        int kv = keyValueHeads == null ? numHeads : keyValueHeads;
        add("query", new int[] {q, numHeads, keyDim}, new int[] {numHeads, keyDim});
        add("key", new int[] {k, kv, keyDim}, new int[] {kv, keyDim});
        // Keras 3's gate (a sigmoid projection of the query) sits between the key and the value
        if (useGate) add("gate", new int[] {q, numHeads, valueDim}, new int[] {numHeads, valueDim});
        add("value", new int[] {v, kv, valueDim}, new int[] {kv, valueDim});
        if (keyValueHeads != null) {
            // key kernel, key bias, value kernel, value bias, each head repeated
            repeated[0] = arena.allocate((long) k * numHeads * keyDim * Float.BYTES, 64);
            repeated[1] = arena.allocate((long) numHeads * keyDim * Float.BYTES, 64);
            repeated[2] = arena.allocate((long) v * numHeads * valueDim * Float.BYTES, 64);
            repeated[3] = arena.allocate((long) numHeads * valueDim * Float.BYTES, 64);
        }
        long[] out = outputDims(q);
        int[] kernel = new int[2 + out.length];
        kernel[0] = numHeads;
        kernel[1] = valueDim;
        int[] bias = new int[out.length];
        for (int i = 0; i < out.length; i++) {
            kernel[2 + i] = Math.toIntExact(out[i]);
            bias[i] = Math.toIntExact(out[i]);
        }
        add("attention_output", kernel, bias);
    }

    /** GroupedQueryAttention: its key and value heads repeated for the query heads, as Keras' ops.repeat lays them. */
    @Override
    void weightsChanged() {
        if (keyValueHeads == null || repeated[0] == null) return;
        int per = useBias ? 2 : 1;
        int repeats = numHeads / keyValueHeads;
        for (int part = 0; part < 2; part++) {
            int size = part == 0 ? keyDim : valueDim;
            Variable kernel = variables.get((1 + part) * per);
            repeatHeads(kernel.data(), repeated[2 * part], kernel.shape[0], size, repeats);
            if (useBias) repeatHeads(variables.get((1 + part) * per + 1).data(), repeated[2 * part + 1], 1, size, repeats);
        }
    }

    /** {@code (rows, heads, size)} into {@code (rows, heads * repeats, size)}, head h at h * repeats ... + repeats - 1. */
    private void repeatHeads(MemorySegment from, MemorySegment to, long rows, int size, int repeats) {
        long bytes = (long) size * Float.BYTES;
        for (long r = 0; r < rows; r++) {
            for (int h = 0; h < keyValueHeads; h++) {
                for (int i = 0; i < repeats; i++) {
                    MemorySegment.copy(from, ((r * keyValueHeads + h) * size) * Float.BYTES, to,
                            ((r * numHeads + (long) h * repeats + i) * size) * Float.BYTES, bytes);
                }
            }
        }
    }

    private void add(String part, int[] kernel, int[] bias) {
        variables.add(new Variable(part + "/kernel", kernel, arena, weights.kernelInitializer, weights.kernelRegularizer,
                weights.kernelConstraint));
        if (useBias) {
            variables.add(new Variable(part + "/bias", bias, arena, weights.biasInitializer, weights.biasRegularizer,
                    weights.biasConstraint));
        }
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention) is called on [query, value]"
                + " (and key, attention_mask), not on one tensor");
    }

    @Override
    long work(long[] inputShape) {
        return Long.MAX_VALUE;
    }

    @Override
    double runInputs(long[][] shapes, MemorySegment[] inputs, MemorySegment output, Variant variant, double[] bounds) {
        return run(shapes, inputs, null, output);
    }

    /**
     * One call; {@code keras}: which of query, value and key carry Keras' mask (null: none), their
     * masks appended to the inputs in that order.
     */
    private double run(long[][] shapes, MemorySegment[] inputs, boolean[] keras, MemorySegment output) {
        long stamp = enter();
        try {
            int n = keras == null ? shapes.length : shapes.length - count(keras);
            List<long[]> list = Arrays.asList(shapes).subList(0, n);
            long[] out = computeOutputShape(list);
            checkOutput(output, out);
            buildFor(buildShape(list));
            if (Shapes.product(out) == 0) return Double.NaN;
            long[] key = key(shapes, n, keras, isSelf(shapes, inputs, n));
            long work = Shapes.product(out) * shapes[1][shapes[1].length - 2];
            PipelineCache.Lease lease = pipelines.acquire(key, threads(work < SMALL_WORK), this::fromKey);
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

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) if (f) n++;
        return n;
    }

    /**
     * Keras reads the masks of the query, the value and the key (rank-3 inputs: {@code (batch,
     * positions)} each) and its output carries the query's; the attention mask's own mask is not read.
     */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        for (int i = 0; i < Math.min(3, inputMasked.length); i++) {
            if (inputMasked[i]) return kdnn.internal.MaskUse.READS_EACH;
        }
        return kdnn.internal.MaskUse.DROPS;
    }

    /** Which of query, value and key carry a mask, of the inputs {@code masked} marks (the mask input's own: not read). */
    private static boolean[] kerasMasks(boolean[] masked) {
        boolean[] k = new boolean[3];
        for (int i = 0; i < Math.min(3, masked.length); i++) k[i] = masked[i];
        return k;
    }

    @Override
    List<long[]> maskedEachOutputShapes(List<long[]> inputs, boolean[] masked, List<long[]> masks) {
        List<long[]> out = computeOutputShapes(inputs);
        Call c = roles(inputs);
        int at = 0;
        for (int i = 0; i < masked.length; i++) {
            if (!masked[i]) continue;
            long[] m = masks.get(at++);
            if (i > 2) continue;
            long[] of = i == 0 ? c.query : i == 1 ? c.value : c.key;
            boolean fits = of.length == 3 && m.length == 2 && (m[0] == of[0] || m[0] < 0 || of[0] < 0)
                    && (m[1] == of[1] || m[1] < 0 || of[1] < 0);
            if (!fits) {
                throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): Keras' mask of its "
                        + List.of("query", "value", "key").get(i) + " " + Shapes.format(of) + " must be (batch, positions)"
                        + " of rank-3 inputs; got " + Shapes.format(m));
            }
        }
        return out;
    }

    @Override
    double runMaskedEach(long[][] shapes, MemorySegment[] inputs, boolean[] masked, long[][] maskShapes,
                         MemorySegment[] masks, MemorySegment output) {
        maskedEachOutputShapes(Arrays.asList(shapes), masked, Arrays.asList(maskShapes));
        boolean[] keras = kerasMasks(masked);
        int n = shapes.length;
        long[][] allShapes = Arrays.copyOf(shapes, n + count(keras));
        MemorySegment[] all = Arrays.copyOf(inputs, n + count(keras));
        int at = 0;
        int to = n;
        for (int i = 0; i < masked.length; i++) {
            if (!masked[i]) continue;
            if (i < 3) {
                allShapes[to] = maskShapes[at];
                all[to++] = masks[at];
            }
            at++;
        }
        if (count(keras) > 0) givenMask = true;
        return run(allShapes, all, keras, output);
    }

    /**
     * Runs the layer on its inputs with Keras' masks of them ({@code masks} aligned with
     * {@code inputs}, null where an input has none; query and value masks {@code (batch, positions)}),
     * as a model does where an Embedding's or a Masking's mask reaches the attention; returns a new
     * tensor the caller owns.
     */
    public kdnn.Tensor call(List<kdnn.Tensor> inputs, List<kdnn.Tensor> masks) {
        ensureOpen();
        if (masks.size() != inputs.size()) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention): " + masks.size()
                    + " masks for " + inputs.size() + " inputs");
        }
        boolean[] masked = new boolean[inputs.size()];
        List<kdnn.Tensor> all = new ArrayList<>(inputs);
        for (int i = 0; i < masked.length; i++) {
            masked[i] = masks.get(i) != null;
            if (masked[i]) all.add(masks.get(i));
        }
        if (returnScores) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (MultiHeadAttention) returns 2 tensors"
                    + " (return_attention_scores): call it with callAll");
        }
        if (count(masked) == 0) return call(inputs);
        return kdnn.internal.LayerBridge.get().maskedEachCall(this, masked).call(all);
    }

    /** Whether query, value and key are one tensor (the same memory): self-attention, projected in one matmul. */
    private static boolean isSelf(long[][] shapes, MemorySegment[] inputs, int n) {
        int keys = Math.min(n, 3);
        for (int i = 1; i < keys; i++) {
            if (!Arrays.equals(shapes[i], shapes[0]) || inputs[i].address() != inputs[0].address()) return false;
        }
        return true;
    }

    /**
     * A pipeline-cache key: the count of the call's own inputs, each input's rank and dims (Keras'
     * masks' after them), then 1 for self-attention, then 1 for each of query, value and key with a
     * Keras mask.
     */
    private static long[] key(long[][] shapes, int n, boolean[] keras, boolean self) {
        List<Long> k = new ArrayList<>();
        k.add((long) n);
        for (int i = 0; i < n; i++) {
            k.add((long) shapes[i].length);
            for (long d : shapes[i]) k.add(d);
        }
        k.add(self ? 1L : 0L);
        for (int i = 0; i < 3; i++) k.add(keras != null && keras[i] ? 1L : 0L);
        return k.stream().mapToLong(Long::longValue).toArray();
    }

    private Pipeline fromKey(long[] key) {
        int n = (int) key[0];
        List<long[]> shapes = new ArrayList<>();
        int at = 1;
        for (int i = 0; i < n; i++) {
            int rank = (int) key[at++];
            shapes.add(Arrays.copyOfRange(key, at, at + rank));
            at += rank;
        }
        Call c = roles(shapes);
        int rank = c.query.length;
        int[] att = attention(rank);
        long[] outDims = outputDims(c.query[rank - 1]);
        Attentions.Shape s = new Attentions.Shape(c.query[0], Arrays.copyOfRange(c.query, 1, rank - 1),
                Arrays.copyOfRange(c.value, 1, rank - 1), att, c.query[rank - 1], c.value[rank - 1], c.key[rank - 1],
                numHeads, keyDim, valueDim, Shapes.product(outDims), n > 2, c.mask == null ? null : expandedMask(c, att),
                causal, slidingWindow == null ? 0 : slidingWindow, maskedScores(version, rank), key[at] == 1,
                new boolean[] {key[at + 1] == 1, key[at + 2] == 1, key[at + 3] == 1}, returnScores);
        int gate = useGate ? 1 : 0;
        return Attentions.multiHead(s, projection(0), projection(1), projection(2 + gate), projection(3 + gate),
                useGate ? projection(2) : null);
    }

    private Attentions.Projection projection(int part) {
        int per = useBias ? 2 : 1;
        if (keyValueHeads != null && (part == 1 || part == 2)) {
            // the key's (1) and the value's (2) heads repeated for the query heads
            return new Attentions.Projection(repeated[2 * (part - 1)], useBias ? repeated[2 * (part - 1) + 1] : null);
        }
        return new Attentions.Projection(variables.get(part * per).data(),
                useBias ? variables.get(part * per + 1).data() : null);
    }

    @Override
    public double activityPenalty(kdnn.Tensor output) {
        ensureOpen();
        return weights.activityPenalty(output);
    }

    /** Keras' config keys, in Keras' order; {@code use_causal_mask} only when set (a call argument in Keras). */
    @Override
    public ObjectNode getConfig() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode c = baseConfig();
        if (keyValueHeads != null) return groupedConfig(c, f);
        c.put("num_heads", numHeads);
        c.put("key_dim", keyDim);
        if (valueDimGiven) c.put("value_dim", valueDim); else c.putNull("value_dim");
        c.put("dropout", dropout);
        c.put("use_bias", useBias);
        if (useGate) c.put("use_gate", true); // Keras 3.15's; earlier versions refuse the key, so only when set
        if (outputShape == null) {
            c.putNull("output_shape");
        } else {
            ArrayNode o = c.putArray("output_shape");
            for (int d : outputShape) o.add(d);
        }
        if (attentionAxes == null) {
            c.putNull("attention_axes");
        } else {
            ArrayNode a = c.putArray("attention_axes");
            for (int d : attentionAxes) a.add(d);
        }
        if (slidingWindow != null) c.put("sliding_window", slidingWindow);
        weights.write(c);
        if (seed != null) c.set("seed", seed);
        if (causal) c.put("use_causal_mask", true);
        if (robustMasking) c.put("softmax_robust_masking", true);
        if (returnScores) c.put("return_attention_scores", true);
        return c;
    }

    /** GroupedQueryAttention's keys, in Keras 3's order, and kdnn's call arguments when set. */
    private ObjectNode groupedConfig(ObjectNode c, JsonNodeFactory f) {
        c.put("head_dim", keyDim);
        c.put("num_query_heads", numHeads);
        c.put("num_key_value_heads", keyValueHeads);
        c.put("use_bias", useBias);
        c.put("dropout", dropout);
        weights.write(c);
        c.set("seed", seed == null ? f.nullNode() : seed);
        if (causal) c.put("use_causal_mask", true);
        if (returnScores) c.put("return_attention_scores", true);
        return c;
    }

    /** Arguments of MultiHeadAttention with Keras' defaults; checked as Keras checks them. */
    public static final class Builder {
        private String name;
        private boolean trainable = true;
        private int numHeads;
        private int keyDim;
        private Integer valueDim;
        private double dropout;
        private boolean useBias = true;
        private int[] outputShape;
        private int[] attentionAxes;
        private boolean useCausalMask;
        private boolean useGate;
        private Integer slidingWindow;
        private boolean robustMasking;
        private boolean returnScores;
        private final KernelArguments weights = new KernelArguments();
        private JsonNode seed;
        private Integer keyValueHeads;
        private boolean flashAttention;

        private Builder() {
        }

        /** GroupedQueryAttention's {@code num_key_value_heads}: makes this builder's layer one. */
        public Builder keyValueHeads(int heads) { this.keyValueHeads = heads; return this; }

        /** The layer's name; unset, a unique one is made from the class name. */
        public Builder name(String name) { this.name = name; return this; }
        /** Keras' {@code trainable}. */
        public Builder trainable(boolean trainable) { this.trainable = trainable; return this; }
        /** Keras' {@code num_heads}. */
        public Builder numHeads(int numHeads) { this.numHeads = numHeads; return this; }
        /** Keras' {@code key_dim}. */
        public Builder keyDim(int keyDim) { this.keyDim = keyDim; return this; }
        /** Keras' {@code value_dim} (null: {@code key_dim}). */
        public Builder valueDim(Integer valueDim) { this.valueDim = valueDim; return this; }
        /** Keras' {@code dropout}: nothing at inference. */
        public Builder dropout(double dropout) { this.dropout = dropout; return this; }
        /** Keras' {@code use_bias}. */
        public Builder useBias(boolean useBias) { this.useBias = useBias; return this; }
        /** Keras' {@code output_shape} (null: the query's features). */
        public Builder outputShape(int... outputShape) { this.outputShape = outputShape == null ? null : outputShape.clone(); return this; }
        /** Keras' {@code attention_axes} (null: every axis between the batch and the features). */
        public Builder attentionAxes(int... axes) { this.attentionAxes = axes == null ? null : axes.clone(); return this; }
        /** Keras 3's {@code use_gate}: the heads' outputs times a sigmoid projection of the query. */
        public Builder useGate(boolean useGate) { this.useGate = useGate; return this; }
        /** Keras 3's {@code sliding_window}: a query position attends to keys less than this far (null: all). */
        public Builder slidingWindow(Integer window) { this.slidingWindow = window; return this; }
        /** tf-keras' {@code softmax_robust_masking}: masked scores replaced, not added to. */
        public Builder softmaxRobustMasking(boolean robust) { this.robustMasking = robust; return this; }
        /** Keras' call argument {@code return_attention_scores}: the scores as a second output, for every call. */
        public Builder returnAttentionScores(boolean returnScores) { this.returnScores = returnScores; return this; }
        /** Keras' call argument {@code use_causal_mask}, for every call of the layer. */
        public Builder useCausalMask(boolean causal) { this.useCausalMask = causal; return this; }
        /** Keras' {@code kernel_initializer}. */
        public Builder kernelInitializer(Initializer i) { weights.kernelInitializer = i; return this; }
        /** Keras' {@code bias_initializer}. */
        public Builder biasInitializer(Initializer i) { weights.biasInitializer = i; return this; }
        /** Keras' {@code kernel_regularizer}. */
        public Builder kernelRegularizer(Regularizer r) { weights.kernelRegularizer = r; return this; }
        /** Keras' {@code bias_regularizer}. */
        public Builder biasRegularizer(Regularizer r) { weights.biasRegularizer = r; return this; }
        /** Keras' {@code activity_regularizer}. */
        public Builder activityRegularizer(Regularizer r) { weights.activityRegularizer = r; return this; }
        /** Keras' {@code kernel_constraint}. */
        public Builder kernelConstraint(Constraint c) { weights.kernelConstraint = c; return this; }
        /** Keras' {@code bias_constraint}. */
        public Builder biasConstraint(Constraint c) { weights.biasConstraint = c; return this; }

        /**
         * The layer these arguments describe.
         * @throws IllegalArgumentException for an argument Keras refuses, naming it
         */
        public MultiHeadAttention build() {
            if (keyValueHeads != null) {
                positive("num_query_heads", numHeads);
                positive("head_dim", keyDim);
                positive("num_key_value_heads", keyValueHeads);
                if (numHeads % keyValueHeads != 0) {
                    throw new IllegalArgumentException("`num_query_heads` must be divisible by `num_key_value_heads`."
                            + " Received: num_query_heads=" + numHeads + ", num_key_value_heads=" + keyValueHeads);
                }
                if (flashAttention && dropout > 0) {
                    throw new IllegalArgumentException("Dropout is not supported when flash attention is enabled. Please"
                            + " set dropout to 0.0 to use flash attention.");
                }
                if (valueDim != null || outputShape != null || attentionAxes != null || useGate || slidingWindow != null
                        || robustMasking) {
                    throw new IllegalArgumentException(GROUPED_CLASS_NAME + " has no value_dim, output_shape,"
                            + " attention_axes, use_gate, sliding_window or softmax_robust_masking");
                }
            }
            positive(keyValueHeads == null ? "num_heads" : "num_query_heads", numHeads);
            positive(keyValueHeads == null ? "key_dim" : "head_dim", keyDim);
            if (valueDim != null) positive("value_dim", valueDim);
            if (!(dropout >= 0 && dropout <= 1)) {
                throw new IllegalArgumentException("Invalid value received for argument `dropout`. Expected a float value"
                        + " between 0 and 1. Received: dropout=" + dropout);
            }
            if (outputShape != null) {
                if (outputShape.length == 0) {
                    throw new IllegalArgumentException("MultiHeadAttention: output_shape must name at least one dim, got []");
                }
                for (int d : outputShape) positive("output_shape", d);
            }
            if (attentionAxes != null) {
                if (attentionAxes.length == 0) {
                    throw new IllegalArgumentException("MultiHeadAttention: attention_axes=[] names no axis");
                }
                for (int a : attentionAxes) {
                    if (a == 0) {
                        throw new IllegalArgumentException("MultiHeadAttention: attention_axes=" + Arrays.toString(attentionAxes)
                                + " names the batch axis; attention runs over axes between the batch and the features");
                    }
                }
            }
            if (slidingWindow != null && slidingWindow <= 0) {
                throw new IllegalArgumentException("`sliding_window` must be `None` or a positive integer. Received:"
                        + " sliding_window=" + slidingWindow);
            }
            weights.check(keyValueHeads == null ? CLASS_NAME : GROUPED_CLASS_NAME);
            if (name == null) name = LayerNames.next(keyValueHeads == null ? CLASS_NAME : GROUPED_CLASS_NAME);
            return new MultiHeadAttention(this);
        }

        private static void positive(String key, long v) {
            if (v <= 0) {
                throw new IllegalArgumentException("Received an invalid value for `" + key + "`, expected a positive"
                        + " integer. Received: " + key + "=" + v);
            }
        }

        Builder fromConfig(JsonNode config) {
            ConfigReader r = new ConfigReader(CLASS_NAME, config);
            name = r.string("name", null);
            trainable = r.bool("trainable", true);
            JsonNode heads = r.node("num_heads");
            if (heads.isNull()) throw new IllegalArgumentException("MultiHeadAttention needs the argument `num_heads`");
            numHeads = ConfigReader.toInt("num_heads", heads);
            JsonNode kd = r.node("key_dim");
            if (kd.isNull()) throw new IllegalArgumentException("MultiHeadAttention needs the argument `key_dim`");
            keyDim = ConfigReader.toInt("key_dim", kd);
            JsonNode vd = r.node("value_dim");
            valueDim = vd.isNull() ? null : ConfigReader.toInt("value_dim", vd);
            dropout = r.number("dropout", 0.0);
            useBias = r.bool("use_bias", true);
            outputShape = ints(r.node("output_shape"), "output_shape");
            attentionAxes = ints(r.node("attention_axes"), "attention_axes");
            weights.read(r);
            JsonNode s = r.node("seed");
            seed = s.isNull() ? null : s;
            JsonNode flash = r.node("flash_attention");
            if (!flash.isNull() && !flash.isBoolean()) throw ConfigReader.bad("flash_attention", flash, "a boolean or null");
            useCausalMask = r.bool("use_causal_mask", false);
            useGate = r.bool("use_gate", false);
            returnScores = r.bool("return_attention_scores", false);
            JsonNode window = r.node("sliding_window");
            slidingWindow = window.isNull() ? null : ConfigReader.toInt("sliding_window", window);
            robustMasking = r.bool("softmax_robust_masking", false);
            // tf.keras records the shapes the layer was built for; the call's shapes build it here
            r.node("query_shape");
            r.node("key_shape");
            r.node("value_shape");
            r.finish();
            return this;
        }

        /** Keras 3's GroupedQueryAttention config (and kdnn's call arguments, as for MultiHeadAttention). */
        Builder fromGroupedConfig(JsonNode config) {
            ConfigReader r = new ConfigReader(GROUPED_CLASS_NAME, config);
            name = r.string("name", null);
            trainable = r.bool("trainable", true);
            for (String key : List.of("head_dim", "num_query_heads", "num_key_value_heads")) {
                if (r.node(key).isNull()) throw new IllegalArgumentException(GROUPED_CLASS_NAME + " needs the argument `" + key + "`");
            }
            keyDim = ConfigReader.toInt("head_dim", r.node("head_dim"));
            numHeads = ConfigReader.toInt("num_query_heads", r.node("num_query_heads"));
            keyValueHeads = ConfigReader.toInt("num_key_value_heads", r.node("num_key_value_heads"));
            dropout = r.number("dropout", 0.0);
            useBias = r.bool("use_bias", true);
            weights.read(r);
            JsonNode s = r.node("seed");
            seed = s.isNull() ? null : s;
            JsonNode flash = r.node("flash_attention");
            if (!flash.isNull() && !flash.isBoolean()) throw ConfigReader.bad("flash_attention", flash, "a boolean or null");
            flashAttention = flash.asBoolean(false);
            useCausalMask = r.bool("use_causal_mask", false);
            returnScores = r.bool("return_attention_scores", false);
            r.finish();
            return this;
        }

        /** An int or a list of ints (null for none). */
        private static int[] ints(JsonNode n, String key) {
            if (n.isNull()) return null;
            if (n.isIntegralNumber()) return new int[] {n.asInt()};
            if (!n.isArray()) throw ConfigReader.bad(key, n, "an int or a list of ints");
            int[] out = new int[n.size()];
            for (int i = 0; i < out.length; i++) out[i] = ConfigReader.toInt(key, n.get(i));
            return out;
        }
    }
}
