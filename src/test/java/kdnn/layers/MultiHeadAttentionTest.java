package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceAttention;
import org.junit.jupiter.api.Test;

/**
 * MultiHeadAttention against Keras' computation written out in double ({@link ReferenceAttention}):
 * self- and cross-attention, a separate key, value_dim and output_shape, no bias, masks of every
 * broadcast form (fully masked rows included), the causal mask alone and with a mask, attention
 * over several axes (one run, or apart), and the refusals.
 */
class MultiHeadAttentionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLASS = MultiHeadAttention.CLASS_NAME;

    /** One case: the layer's arguments, the inputs' shapes and the mask's (null: none). */
    private record Case(int heads, int keyDim, Integer valueDim, int[] outputShape, int[] axes, boolean bias, boolean causal,
                        int[] query, int[] value, int[] key, int[] mask) {
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian());
        return v;
    }

    /** Weights of the layer's shapes drawn from a normal distribution times {@code scale}, set on it. */
    private static List<Weight> drawWeights(Layer layer, Random r, float scale) {
        List<Weight> ws = new ArrayList<>();
        for (WeightSpec spec : layer.weightSpecs()) {
            float[] values = random(r, size(spec.shape()));
            for (int i = 0; i < values.length; i++) values[i] *= scale;
            ws.add(new Weight(spec.name(), spec.shape(), values));
        }
        layer.setWeights(ws);
        return ws;
    }

    private static int size(int[] s) {
        int n = 1;
        for (int d : s) n *= d;
        return n;
    }

    private static long[] longs(int[] s) {
        long[] o = new long[s.length];
        for (int i = 0; i < s.length; i++) o[i] = s[i];
        return o;
    }

    private static void check(Case c, long seed) {
        check(c, seed, KerasVersion.KERAS_2, 0, 0.5f);
    }

    private static void check(Case c, long seed, KerasVersion version, double dropout, float scale) {
        check(c, seed, version, dropout, scale, b -> { });
    }

    /**
     * The case under a Keras version's rules, with {@code dropout} (Keras 3's path), weights drawn at
     * {@code scale}, and more arguments set by {@code more} (Keras 3's gate and sliding window, tf-keras'
     * robust masking).
     */
    private static void check(Case c, long seed, KerasVersion version, double dropout, float scale,
                              java.util.function.Consumer<MultiHeadAttention.Builder> more) {
        Random r = new Random(seed);
        MultiHeadAttention.Builder b = MultiHeadAttention.builder(c.heads, c.keyDim).valueDim(c.valueDim).useBias(c.bias)
                .useCausalMask(c.causal).dropout(dropout);
        more.accept(b);
        if (c.outputShape != null) b.outputShape(c.outputShape);
        if (c.axes != null) b.attentionAxes(c.axes);
        MultiHeadAttention built = b.build();
        MultiHeadAttention made = built;
        if (version == KerasVersion.KERAS_3) {
            try (built) {
                made = (MultiHeadAttention) Layers.fromConfig(JSON.createObjectNode().put("class_name", CLASS)
                        .set("config", built.getConfig()), version);
            }
        }
        try (MultiHeadAttention layer = made) {
            ReferenceAttention.Masked how = version != KerasVersion.KERAS_3
                    ? layer.softmaxRobustMasking() ? ReferenceAttention.Masked.WHERE : ReferenceAttention.Masked.ADD
                    : dropout == 0 && c.query.length == 3 ? ReferenceAttention.Masked.WHERE : ReferenceAttention.Masked.ZERO;
            float[] q = random(r, size(c.query));
            float[] v = random(r, size(c.value == null ? c.query : c.value));
            float[] k = c.key == null ? null : random(r, size(c.key));
            float[] m = null;
            if (c.mask != null) {
                m = new float[size(c.mask)];
                for (int i = 0; i < m.length; i++) m[i] = r.nextInt(3) == 0 ? 0 : 1;
                m[0] = 0;
            }
            // one tensor as query and value (and key): self-attention, projected in one matmul
            boolean same = c.value == null;
            Case shapes = same ? new Case(c.heads, c.keyDim, c.valueDim, c.outputShape, c.axes, c.bias, c.causal, c.query,
                    c.query, c.query, c.mask) : c;
            if (same) v = q;
            List<Tensor> inputs = new ArrayList<>();
            try {
                inputs.add(Tensor.of(q, c.query));
                inputs.add(same ? inputs.get(0) : Tensor.of(v, c.value));
                if (same && c.mask != null) inputs.add(inputs.get(0));
                else if (c.key != null || c.mask != null) inputs.add(Tensor.of(k == null ? v : k, c.key == null ? c.value : c.key));
                if (c.mask != null) inputs.add(Tensor.of(m, c.mask));
                // weights drawn small so the softmax is not saturated
                layer.build(longs(c.query), longs(shapes.value), c.key == null ? null : longs(c.key));
                List<Weight> ws = drawWeights(layer, r, scale);
                int per = c.bias ? 2 : 1;
                // query, key, [gate,] value, output, each kernel then bias
                List<String> parts = new ArrayList<>(List.of("query", "key", "value", "attention_output"));
                if (layer.useGate()) parts.add(2, "gate");
                float[][] w = new float[10][];
                int[] slot = {0, 2, 8, 4, 6};
                for (int p = 0; p < parts.size(); p++) {
                    int at = slot[List.of("query", "key", "gate", "value", "attention_output").indexOf(parts.get(p))];
                    w[at] = ws.get(p * per).values();
                    if (c.bias) w[at + 1] = ws.get(p * per + 1).values();
                }
                int[] axes = c.axes == null ? null : c.axes.clone();
                for (int i = 0; axes != null && i < axes.length; i++) if (axes[i] < 0) axes[i] += c.query.length;
                if (axes == null) {
                    axes = new int[c.query.length - 2];
                    for (int i = 0; i < axes.length; i++) axes[i] = i + 1;
                }
                int outSize = c.outputShape == null ? c.query[c.query.length - 1] : size(c.outputShape);
                RefArray expected = ReferenceAttention.run(new RefArray(c.query, q), new RefArray(shapes.value, v),
                        k == null ? null : new RefArray(c.key, k), m == null ? null : new RefArray(c.mask, m), c.causal,
                        axes, c.heads, c.keyDim, c.valueDim == null ? c.keyDim : c.valueDim, outSize,
                        new ReferenceAttention.Weights(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9]), how,
                        layer.slidingWindow() == null ? 0 : layer.slidingWindow());
                try (Tensor out = layer.call(inputs)) {
                    long[] shape = out.shape();
                    long[] want = new long[c.query.length - 1 + (c.outputShape == null ? 1 : c.outputShape.length)];
                    for (int i = 0; i < c.query.length - 1; i++) want[i] = c.query[i];
                    if (c.outputShape == null) want[want.length - 1] = c.query[c.query.length - 1];
                    else for (int i = 0; i < c.outputShape.length; i++) want[c.query.length - 1 + i] = c.outputShape[i];
                    assertArrayEquals(want, shape, c.toString());
                    float[] got = out.toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        float e = expected.data()[i];
                        assertEquals(e, got[i], 2e-5 + 2e-5 * Math.abs(e), c + " at " + i);
                    }
                }
            } finally {
                inputs.stream().distinct().forEach(Tensor::close);
            }
        }
    }

    @Test
    void selfAndCrossAttentionMatchKeras() {
        check(new Case(2, 4, null, null, null, true, false, new int[] {2, 5, 6}, new int[] {2, 5, 6}, null, null), 1);
        check(new Case(3, 5, null, null, null, true, false, new int[] {3, 4, 7}, new int[] {3, 9, 5}, null, null), 2);
        check(new Case(1, 8, null, null, null, true, false, new int[] {1, 1, 3}, new int[] {1, 6, 3}, null, null), 3);
    }

    /** One tensor as query, value and key: the three projections run as one matmul, the query's columns scaled. */
    @Test
    void selfAttentionOfOneTensor() {
        check(new Case(2, 4, null, null, null, true, false, new int[] {2, 5, 6}, null, null, null), 60);
        check(new Case(3, 2, 5, new int[] {3}, null, false, true, new int[] {3, 7, 4}, null, null, null), 61);
        check(new Case(2, 3, null, null, null, true, false, new int[] {2, 5, 6}, null, null, new int[] {2, 5, 5}), 62);
        check(new Case(2, 3, 4, null, new int[] {1, 3}, true, false, new int[] {2, 2, 3, 4, 5}, null, null, null), 63);
        check(new Case(2, 3, null, null, null, true, false, new int[] {2, 5, 6}, null, null, null), 64,
                KerasVersion.KERAS_3, 0, 0.5f, b -> b.useGate(true));
        // one position in each of several samples: oneDNN's batched matmul read the one matmul's
        // strided views wrong (values of 1e21), so such a call projects the three apart
        check(new Case(2, 3, 2, null, null, true, false, new int[] {3, 1, 4}, null, null, null), 65);
        check(new Case(1, 4, null, null, null, true, false, new int[] {5, 1, 3}, null, null, null), 66);
    }

    /**
     * Keras' own masks of the query and the value (an Embedding's, a Masking's): a key counts where
     * the value's mask keeps it, a query position where the query's does, joined with the attention
     * mask; padded query positions have every key masked.
     */
    @Test
    void kerasMasksOfQueryAndValue() {
        Random r = new Random(70);
        for (KerasVersion version : List.of(KerasVersion.KERAS_2, KerasVersion.KERAS_3)) {
            for (boolean explicit : new boolean[] {false, true}) {
                int b = 3;
                int t = 5;
                int sLen = 6;
                int d = 4;
                float[] q = random(r, b * t * d);
                float[] v = random(r, b * sLen * d);
                float[] qm = new float[b * t];
                float[] vm = new float[b * sLen];
                for (int n = 0; n < b; n++) {
                    for (int i = 0; i < t; i++) qm[n * t + i] = i < t - n ? 1 : 0;
                    for (int i = 0; i < sLen; i++) vm[n * sLen + i] = i < sLen - 2 * n ? 1 : 0;
                }
                float[] am = new float[b * t * sLen];
                for (int i = 0; i < am.length; i++) am[i] = explicit && i % 4 == 1 ? 0 : 1;
                float[] joined = new float[am.length];
                for (int n = 0; n < b; n++) {
                    for (int i = 0; i < t; i++) {
                        for (int j = 0; j < sLen; j++) {
                            int at = (n * t + i) * sLen + j;
                            joined[at] = am[at] * qm[n * t + i] * vm[n * sLen + j];
                        }
                    }
                }
                MultiHeadAttention built = MultiHeadAttention.builder(2, 3).build();
                MultiHeadAttention layer = built;
                if (version == KerasVersion.KERAS_3) {
                    try (built) {
                        layer = (MultiHeadAttention) Layers.fromConfig(JSON.createObjectNode().put("class_name", CLASS)
                                .set("config", built.getConfig()), version);
                    }
                }
                try (MultiHeadAttention l = layer; Tensor tq = Tensor.of(q, b, t, d); Tensor tv = Tensor.of(v, b, sLen, d);
                     Tensor tqm = Tensor.of(qm, b, t); Tensor tvm = Tensor.of(vm, b, sLen);
                     Tensor tam = Tensor.of(am, b, t, sLen)) {
                    l.build(tq.shape(), tv.shape(), null);
                    List<Weight> ws = drawWeights(l, r, 0.5f);
                    ReferenceAttention.Masked how = version == KerasVersion.KERAS_3 ? ReferenceAttention.Masked.WHERE
                            : ReferenceAttention.Masked.ADD;
                    RefArray want = ReferenceAttention.run(new RefArray(new int[] {b, t, d}, q),
                            new RefArray(new int[] {b, sLen, d}, v), null, new RefArray(new int[] {b, t, sLen}, joined),
                            false, new int[] {1}, 2, 3, 3, d, new ReferenceAttention.Weights(ws.get(0).values(),
                                    ws.get(1).values(), ws.get(2).values(), ws.get(3).values(), ws.get(4).values(),
                                    ws.get(5).values(), ws.get(6).values(), ws.get(7).values()), how, 0);
                    List<Tensor> inputs = explicit ? List.of(tq, tv, tv, tam) : List.of(tq, tv);
                    List<Tensor> masks = new ArrayList<>(java.util.Arrays.asList(tqm, tvm));
                    if (explicit) {
                        masks.add(tvm);
                        masks.add(null);
                    }
                    try (Tensor got = l.call(inputs, masks)) {
                        float[] g = got.toFloatArray();
                        for (int i = 0; i < g.length; i++) {
                            assertEquals(want.data()[i], g[i], 2e-5 + 2e-5 * Math.abs(want.data()[i]),
                                    version + " explicit " + explicit + " at " + i);
                        }
                    }
                    // a mask that is not (batch, positions) of its input is refused by name
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> l.call(List.of(tq, tv), java.util.Arrays.asList(tvm, null)));
                    assertTrue(e.getMessage().contains("query"), e.getMessage());
                }
            }
        }
    }

    /**
     * return_attention_scores: the output and the weights {@code (batch, heads, T, S)}, masked ones 0;
     * Keras 3 takes its Softmax path then, so a query whose every key is masked weighs nothing.
     */
    @Test
    void attentionScoresAsASecondOutput() {
        Random r = new Random(80);
        int b = 2;
        int t = 4;
        int sLen = 3;
        int d = 5;
        float[] q = random(r, b * t * d);
        float[] v = random(r, b * sLen * d);
        float[] m = new float[b * t * sLen];
        for (int i = 0; i < m.length; i++) m[i] = i % 5 == 2 || i < sLen ? 0 : 1; // the first query row all masked
        for (KerasVersion version : List.of(KerasVersion.KERAS_2, KerasVersion.KERAS_3)) {
            MultiHeadAttention built = MultiHeadAttention.builder(2, 3).returnAttentionScores(true).build();
            MultiHeadAttention layer = built;
            try (built) {
                layer = (MultiHeadAttention) Layers.fromConfig(JSON.createObjectNode().put("class_name", CLASS)
                        .set("config", built.getConfig()), version);
            }
            try (MultiHeadAttention l = layer; Tensor tq = Tensor.of(q, b, t, d); Tensor tv = Tensor.of(v, b, sLen, d);
                 Tensor tm = Tensor.of(m, b, t, sLen)) {
                assertTrue(l.returnAttentionScores());
                List<long[]> shapes = l.computeOutputShapes(List.of(tq.shape(), tv.shape(), tv.shape(), tm.shape()));
                assertArrayEquals(new long[] {b, 2, t, sLen}, shapes.get(1));
                l.build(tq.shape(), tv.shape(), null);
                List<Weight> ws = drawWeights(l, r, 0.5f);
                float[] scores = new float[b * 2 * t * sLen];
                RefArray want = ReferenceAttention.run(new RefArray(new int[] {b, t, d}, q),
                        new RefArray(new int[] {b, sLen, d}, v), null, new RefArray(new int[] {b, t, sLen}, m), false,
                        new int[] {1}, 2, 3, 3, d, new ReferenceAttention.Weights(ws.get(0).values(), ws.get(1).values(),
                                ws.get(2).values(), ws.get(3).values(), ws.get(4).values(), ws.get(5).values(),
                                ws.get(6).values(), ws.get(7).values()),
                        version == KerasVersion.KERAS_3 ? ReferenceAttention.Masked.ZERO : ReferenceAttention.Masked.ADD, 0,
                        scores);
                List<Tensor> outs = l.callAll(List.of(tq, tv, tv, tm));
                try {
                    assertEquals(2, outs.size());
                    float[] o = outs.get(0).toFloatArray();
                    for (int i = 0; i < o.length; i++) assertEquals(want.data()[i], o[i], 2e-5 + 2e-5 * Math.abs(o[i]));
                    assertArrayEquals(scores, outs.get(1).toFloatArray(), 2e-6f, version.toString());
                } finally {
                    outs.forEach(Tensor::close);
                }
                IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> l.call(List.of(tq, tv)));
                assertTrue(one.getMessage().contains("callAll"), one.getMessage());
            }
        }
    }

    @Test
    void separateKeyValueDimAndOutputShape() {
        check(new Case(2, 3, 5, null, null, true, false, new int[] {2, 4, 6}, new int[] {2, 7, 5}, new int[] {2, 7, 3},
                null), 4);
        check(new Case(4, 2, 3, new int[] {5}, null, false, false, new int[] {2, 3, 4}, new int[] {2, 6, 4}, null, null), 5);
        check(new Case(2, 4, null, new int[] {3, 2}, null, true, false, new int[] {2, 5, 6}, new int[] {2, 5, 6}, null,
                null), 6);
    }

    @Test
    void masksAsKerasExpandsThem() {
        // (batch, T, S), broadcast over the batch, and per head; each with a fully masked row somewhere
        check(new Case(2, 4, null, null, null, true, false, new int[] {3, 5, 6}, new int[] {3, 7, 6}, null,
                new int[] {3, 5, 7}), 7);
        check(new Case(2, 4, null, null, null, true, false, new int[] {2, 5, 6}, new int[] {2, 7, 6}, null,
                new int[] {1, 5, 7}), 8);
        check(new Case(3, 2, null, null, null, true, false, new int[] {2, 4, 6}, new int[] {2, 4, 6}, null,
                new int[] {2, 3, 4, 4}), 9);
        check(new Case(2, 4, null, null, null, true, false, new int[] {2, 5, 6}, new int[] {2, 7, 6}, null,
                new int[] {2, 1, 7}), 10);
    }

    @Test
    void causalMaskAloneAndWithAMask() {
        check(new Case(2, 4, null, null, null, true, true, new int[] {2, 6, 5}, new int[] {2, 6, 5}, null, null), 11);
        check(new Case(2, 4, null, null, null, true, true, new int[] {2, 4, 5}, new int[] {2, 6, 5}, null, null), 12);
        check(new Case(2, 4, null, null, null, true, true, new int[] {2, 6, 5}, new int[] {2, 6, 5}, null,
                new int[] {2, 6, 6}), 13);
    }

    /**
     * A query position whose every key is masked, by version: tf.keras adds -1e9 (near-even
     * weights), Keras 3's dot_product_attention (no dropout, rank 3) puts -2.37e38 in place (even
     * weights), Keras 3's Softmax (with dropout, or other ranks) zeros the weights.
     */
    @Test
    void fullyMaskedQueriesByKerasVersion() {
        // masks drawn with 1 in 3 masked, the first entry always: rows of 2 keys are often all masked
        Case masked = new Case(2, 4, null, null, null, true, false, new int[] {3, 5, 6}, new int[] {3, 2, 6}, null,
                new int[] {3, 5, 2});
        for (long seed = 30; seed < 34; seed++) {
            check(masked, seed, KerasVersion.KERAS_2, 0, 0.5f);
            check(masked, seed, KerasVersion.KERAS_3, 0, 0.5f);
            check(masked, seed, KerasVersion.KERAS_3, 0.2, 0.5f);
            // large scores: tf.keras' sums with -1e9 no longer all round to -1e9
            check(masked, seed, KerasVersion.KERAS_2, 0, 4f);
            check(masked, seed, KerasVersion.KERAS_3, 0, 4f);
        }
        Case fourD = new Case(2, 3, null, null, new int[] {2}, true, false, new int[] {2, 3, 4, 5}, new int[] {2, 3, 2, 5},
                null, new int[] {2, 3, 4, 2});
        check(fourD, 40, KerasVersion.KERAS_3, 0, 0.5f);
    }

    /** Keras 3.15's gate and sliding window, Keras 3's negative attention axes, tf-keras' robust masking. */
    @Test
    void newerArguments() {
        Case plain = new Case(2, 3, 4, null, null, true, false, new int[] {2, 6, 5}, new int[] {2, 7, 5}, null, null);
        check(plain, 50, KerasVersion.KERAS_3, 0, 0.5f, b -> b.useGate(true));
        Case noBias = new Case(2, 3, null, null, null, false, true, new int[] {2, 6, 5}, new int[] {2, 6, 5}, null, null);
        check(noBias, 51, KerasVersion.KERAS_3, 0, 0.5f, b -> b.useGate(true).slidingWindow(2));
        Case masked = new Case(2, 3, null, null, null, true, false, new int[] {2, 6, 5}, new int[] {2, 8, 5}, null,
                new int[] {2, 6, 8});
        check(masked, 52, KerasVersion.KERAS_3, 0.1, 0.5f, b -> b.slidingWindow(3));
        // robust masking: a row whose every key is masked weighs them exactly evenly, whatever the scores
        Case rows = new Case(2, 4, null, null, null, true, false, new int[] {3, 5, 6}, new int[] {3, 2, 6}, null,
                new int[] {3, 5, 2});
        check(rows, 53, KerasVersion.KERAS_2, 0, 4f, b -> b.softmaxRobustMasking(true));
        // Keras 3 counts -2 from the input's end: axis 2 of a rank-4 input
        Case negative = new Case(2, 3, null, null, new int[] {-2}, true, false, new int[] {2, 3, 4, 5},
                new int[] {2, 3, 6, 5}, null, null);
        check(negative, 54, KerasVersion.KERAS_3, 0, 0.5f);
        IllegalArgumentException tfKeras = assertThrows(IllegalArgumentException.class,
                () -> check(negative, 54, KerasVersion.KERAS_2, 0, 0.5f));
        assertTrue(tfKeras.getMessage().contains("negative"), tfKeras.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MultiHeadAttention.builder(2, 3).slidingWindow(0).build());
    }

    @Test
    void attentionOverSeveralAxes() {
        // rank 4: over both axes (default), over the second only (the first pairs positions), over the first only
        check(new Case(2, 3, null, null, null, true, false, new int[] {2, 3, 4, 5}, new int[] {2, 2, 3, 5}, null, null), 14);
        check(new Case(2, 3, null, null, new int[] {2}, true, false, new int[] {2, 3, 4, 5}, new int[] {2, 3, 6, 5}, null,
                new int[] {2, 3, 4, 6}), 15);
        check(new Case(2, 3, null, null, new int[] {1}, true, false, new int[] {2, 3, 4, 5}, new int[] {2, 5, 4, 5}, null,
                null), 16);
        // rank 5 over axes 1 and 3: not one run, copied into order and back
        check(new Case(2, 2, 3, null, new int[] {1, 3}, true, false, new int[] {2, 2, 3, 4, 5}, new int[] {2, 3, 3, 2, 5},
                null, new int[] {2, 2, 4, 3, 2}), 17);
    }

    @Test
    void refusals() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> MultiHeadAttention.builder(0, 4).build());
        assertThrows(IllegalArgumentException.class, () -> MultiHeadAttention.builder(2, -1).build());
        assertThrows(IllegalArgumentException.class, () -> MultiHeadAttention.builder(2, 4).dropout(1.5).build());
        try (MultiHeadAttention l = MultiHeadAttention.builder(2, 4).build();
             Tensor q = Tensor.zeros(2, 5, 6); Tensor v = Tensor.zeros(2, 5, 7); Tensor bad = Tensor.zeros(3, 5, 6);
             Tensor mask = Tensor.zeros(2, 4, 5); Tensor half = Tensor.of(new float[] {0.5f}, 1, 1, 1)) {
            IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> l.call(q));
            assertTrue(one.getMessage().contains("value"), one.getMessage());
            assertThrows(IllegalArgumentException.class, () -> l.call(List.of(q, bad)));
            IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> l.call(List.of(q, v, v, mask)));
            assertTrue(m.getMessage().contains("attention_mask"), m.getMessage());
            IllegalArgumentException values = assertThrows(IllegalArgumentException.class,
                    () -> l.call(List.of(q, v, v, half)));
            assertTrue(values.getMessage().contains("0.5"), values.getMessage());
        }

        {
            String config = "{\"class_name\":\"MultiHeadAttention\",\"config\":{\"name\":\"mha\",\"num_heads\":2,"
                    + "\"key_dim\":4,\"attention_axes\":[0]}}";
            try (Layer l = Layers.fromConfig(JSON.readTree(config)); Tensor q = Tensor.zeros(2, 5, 6)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.call(List.of(q, q)));
                assertTrue(e.getMessage().contains("attention_axes"), e.getMessage());
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("attention_axes"), e.getMessage());
            }
        }
    }
}
