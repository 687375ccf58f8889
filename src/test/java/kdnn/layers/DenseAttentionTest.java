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
 * Keras' Attention ("dot" and "concat", with and without its scale) and AdditiveAttention against
 * their computation written out in double: a separate key, Keras' masks of query and value (a
 * padded key left out, a padded query's row zeros), the causal mask, the weights as a second
 * output, and the refusals.
 */
class DenseAttentionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static float[] random(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
        return v;
    }

    private static BaseDenseAttention layer(String cls, String config) throws Exception {
        return (BaseDenseAttention) Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config
                + "}").replace('\'', '"')));
    }

    private static void check(String cls, String config, String score, boolean withKey, boolean masks, boolean causal,
                              long seed) throws Exception {
        Random r = new Random(seed);
        int b = 3;
        int tq = 4;
        int tv = 5;
        int d = 6;
        int dv = 3;
        float[] q = random(r, b * tq * d, 0.7);
        float[] v = random(r, b * tv * dv, 1);
        float[] k = withKey ? random(r, b * tv * d, 0.7) : null;
        float[] qm = new float[b * tq];
        float[] vm = new float[b * tv];
        for (int n = 0; n < b; n++) {
            for (int t = 0; t < tq; t++) qm[n * tq + t] = t < tq - n ? 1 : 0;
            for (int u = 0; u < tv; u++) vm[n * tv + u] = u < tv - 2 * n ? 1 : 0;
        }
        try (BaseDenseAttention l = layer(cls, config); Tensor tQ = Tensor.of(q, b, tq, d);
             Tensor tV = Tensor.of(withKey ? v : random(r, b * tv * d, 1), b, tv, withKey ? dv : d);
             Tensor tK = withKey ? Tensor.of(k, b, tv, d) : null; Tensor tQm = Tensor.of(qm, b, tq);
             Tensor tVm = Tensor.of(vm, b, tv)) {
            List<Tensor> inputs = withKey ? List.of(tQ, tV, tK) : List.of(tQ, tV);
            l.build(tQ.shape());
            List<Weight> ws = new ArrayList<>();
            for (WeightSpec spec : l.weightSpecs()) {
                int n = 1;
                for (int x : spec.shape()) n *= x;
                ws.add(new Weight(spec.name(), spec.shape(), random(r, n, 1)));
            }
            l.setWeights(ws);
            float[] scale = null;
            float concat = 1;
            if (l.useScale()) scale = ws.get(0).values();
            if (score.equals("concat")) concat = ws.get(ws.size() - 1).values()[0];
            float[] weights = new float[b * tq * tv];
            RefArray want = ReferenceAttention.dense(score, new RefArray(new int[] {b, tq, d}, q),
                    new RefArray(toInts(tV.shape()), tV.toFloatArray()), tK == null ? null : new RefArray(toInts(tK.shape()), k),
                    masks ? qm : null, masks ? vm : null, causal, scale, concat, weights);
            List<Tensor> got = masks ? l.callAll(inputs, tQm, tVm) : l.callAll(inputs);
            try {
                float[] o = got.get(0).toFloatArray();
                assertArrayEquals(new long[] {b, tq, tV.shape()[2]}, got.get(0).shape());
                for (int i = 0; i < o.length; i++) {
                    assertEquals(want.data()[i], o[i], 2e-5 + 2e-5 * Math.abs(want.data()[i]), cls + " " + config + " at " + i);
                }
                if (l.returnAttentionScores()) assertArrayEquals(weights, got.get(1).toFloatArray(), 2e-6f);
            } finally {
                got.forEach(Tensor::close);
            }
        }
    }

    private static int[] toInts(long[] s) {
        int[] o = new int[s.length];
        for (int i = 0; i < s.length; i++) o[i] = (int) s[i];
        return o;
    }

    @Test
    void everyScoreFormMatchesKeras() throws Exception {
        long seed = 1;
        for (boolean withKey : new boolean[] {false, true}) {
            for (boolean masks : new boolean[] {false, true}) {
                check("Attention", "{}", "dot", withKey, masks, false, seed++);
                check("Attention", "{'use_scale': true}", "dot", withKey, masks, false, seed++);
                check("Attention", "{'score_mode': 'concat'}", "concat", withKey, masks, false, seed++);
                check("Attention", "{'use_scale': true, 'score_mode': 'concat', 'return_attention_scores': true}", "concat",
                        withKey, masks, false, seed++);
                check("AdditiveAttention", "{}", "additive", withKey, masks, false, seed++);
                check("AdditiveAttention", "{'use_scale': false, 'return_attention_scores': true}", "additive", withKey,
                        masks, false, seed++);
            }
        }
    }

    @Test
    void causalMaskAsKerasMakesIt() throws Exception {
        check("Attention", "{'use_causal_mask': true, 'return_attention_scores': true}", "dot", false, false, true, 30);
        check("Attention", "{'causal': true}", "dot", true, true, true, 31);
        check("AdditiveAttention", "{'use_causal_mask': true}", "additive", false, true, true, 32);
    }

    /**
     * A masked query row holding NaN: Keras 3 writes zeros there (where), tf.keras multiplies by the
     * mask and keeps NaN. tf.keras' AdditiveAttention scale has the value's features: one feature
     * broadcast over the query's, other counts refused.
     */
    @Test
    void kerasVersionsDiffer() throws Exception {
        float[] q = {Float.NaN, 1, 0.5f, -1, 2, 0.25f};
        float[] v = {1, 2, 3, 4, 5, 6};
        float[] qm = {0, 1, 1};
        for (KerasVersion version : List.of(KerasVersion.KERAS_2, KerasVersion.KERAS_3)) {
            try (BaseDenseAttention l = (BaseDenseAttention) Layers.fromConfig(JSON.readTree(
                    "{\"class_name\": \"Attention\", \"config\": {}}"), version);
                 Tensor tq = Tensor.of(q, 1, 3, 2); Tensor tv = Tensor.of(v, 1, 3, 2); Tensor m = Tensor.of(qm, 1, 3)) {
                List<Tensor> out = l.callAll(List.of(tq, tv), m, null);
                try {
                    float[] o = out.get(0).toFloatArray();
                    for (int c = 0; c < 2; c++) {
                        if (version == KerasVersion.KERAS_3) assertEquals(0f, o[c], 0f);
                        else assertTrue(Float.isNaN(o[c]), "tf.keras keeps NaN * 0");
                    }
                    assertTrue(Float.isFinite(o[2]) && Float.isFinite(o[5]));
                } finally {
                    out.forEach(Tensor::close);
                }
            }
        }
        Random r = new Random(40);
        float[] q3 = random(r, 2 * 3 * 4, 0.7);
        float[] v1 = random(r, 2 * 5, 1);
        try (BaseDenseAttention l = layer("AdditiveAttention", "{}"); Tensor tq = Tensor.of(q3, 2, 3, 4);
             Tensor tv = Tensor.of(v1, 2, 5, 1); Tensor wide = Tensor.zeros(2, 5, 3)) {
            try (Tensor key = Tensor.of(random(r, 2 * 5 * 4, 0.7), 2, 5, 4)) {
                l.callAll(List.of(tq, tv, key)).forEach(Tensor::close); // builds it: the scale has the value's 1 feature
                assertArrayEquals(new int[] {1}, l.weightSpecs().get(0).shape());
                float scale = l.getWeights().get(0).values()[0];
                List<Tensor> got = l.callAll(List.of(tq, tv, key));
                try {
                    float[] full = new float[4];
                    java.util.Arrays.fill(full, scale);
                    RefArray want = ReferenceAttention.dense("additive", new RefArray(new int[] {2, 3, 4}, q3),
                            new RefArray(new int[] {2, 5, 1}, v1), new RefArray(new int[] {2, 5, 4}, key.toFloatArray()),
                            null, null, false, full, 1, null);
                    float[] o = got.get(0).toFloatArray();
                    for (int i = 0; i < o.length; i++) assertEquals(want.data()[i], o[i], 2e-5 + 2e-5 * Math.abs(o[i]));
                } finally {
                    got.forEach(Tensor::close);
                }
            }
            try (BaseDenseAttention other = layer("AdditiveAttention", "{}"); Tensor k4 = Tensor.zeros(2, 5, 4)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> other.callAll(List.of(tq, wide, k4)));
                assertTrue(e.getMessage().contains("broadcast"), e.getMessage());
            }
        }
    }

    @Test
    void refusals() throws Exception {
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> layer("Attention", "{'score_mode': 'bilinear'}"));
        assertTrue(mode.getMessage().contains("score_mode"), mode.getMessage());
        try (BaseDenseAttention l = layer("Attention", "{}"); Tensor q = Tensor.zeros(2, 3, 4); Tensor v = Tensor.zeros(2, 5, 6);
             Tensor shortKey = Tensor.zeros(2, 4, 4)) {
            IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> l.call(q));
            assertTrue(one.getMessage().contains("list of inputs"), one.getMessage());
            IllegalArgumentException dims = assertThrows(IllegalArgumentException.class, () -> l.call(List.of(q, v)));
            assertTrue(dims.getMessage().contains("features"), dims.getMessage());
            IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
                    () -> l.call(List.of(q, v, shortKey)));
            assertTrue(steps.getMessage().contains("steps"), steps.getMessage());
        }
    }
}
