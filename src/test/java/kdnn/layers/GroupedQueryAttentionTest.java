package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceAttention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras 3's GroupedQueryAttention against MultiHeadAttention's reference run on its key and value
 * heads repeated as Keras' {@code ops.repeat(key, n, axis=2)} repeats them: random head counts,
 * lengths, a key of its own, causal masks and Keras' masks (a fully masked query weighing its keys
 * evenly, dot_product_attention's way, or nothing with return_attention_scores, the Softmax way);
 * its config, refusals and `.keras` files.
 */
class GroupedQueryAttentionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return v;
    }

    /** (rows, heads, size) with each head repeated {@code n} times, head h at h*n ... h*n + n - 1. */
    private static float[] repeatHeads(float[] w, int rows, int heads, int size, int n) {
        float[] out = new float[rows * heads * n * size];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(w, (r * heads + h) * size, out, ((r * heads * n) + h * n + i) * size, size);
                }
            }
        }
        return out;
    }

    @Test
    void computesMultiHeadAttentionWithRepeatedKeyAndValueHeads() throws Exception {
        Random r = new Random(17);
        for (int trial = 0; trial < 60; trial++) {
            int kv = 1 + r.nextInt(3);
            int repeats = 1 + r.nextInt(3);
            int heads = kv * repeats;
            int headDim = 1 + r.nextInt(5);
            int b = 1 + r.nextInt(3), t = 1 + r.nextInt(6), s = 1 + r.nextInt(6), d = 1 + r.nextInt(6);
            int dk = r.nextBoolean() ? d : 1 + r.nextInt(6);
            boolean bias = r.nextInt(3) != 0;
            boolean key = r.nextBoolean();
            boolean causal = r.nextInt(3) == 0;
            boolean masks = r.nextInt(3) == 0;
            boolean scores = r.nextInt(4) == 0;
            String config = "{'name':'gqa','head_dim':" + headDim + ",'num_query_heads':" + heads + ",'num_key_value_heads':"
                    + kv + ",'use_bias':" + bias + (causal ? ",'use_causal_mask':true" : "")
                    + (scores ? ",'return_attention_scores':true" : "") + "}";
            float[] q = random(r, b * t * d), v = random(r, b * s * d), k = random(r, b * s * dk);
            try (MultiHeadAttention l = (MultiHeadAttention) Layers.fromConfig(JSON.readTree(
                    ("{'class_name':'GroupedQueryAttention','config':" + config + "}").replace('\'', '"')));
                 Tensor tq = Tensor.of(q, b, t, d); Tensor tv = Tensor.of(v, b, s, d); Tensor tk = Tensor.of(k, b, s, dk)) {
                l.build(tq.shape(), tv.shape(), key ? tk.shape() : null);
                List<Weight> ws = new ArrayList<>();
                for (WeightSpec spec : l.weightSpecs()) {
                    int n = 1;
                    for (int x : spec.shape()) n *= x;
                    float[] values = random(r, n);
                    for (int i = 0; i < n; i++) values[i] *= 0.5f;
                    ws.add(new Weight(spec.name(), spec.shape(), values));
                }
                l.setWeights(ws);
                int per = bias ? 2 : 1;
                float[] keyKernel = repeatHeads(ws.get(per).values(), key ? dk : d, kv, headDim, repeats);
                float[] valueKernel = repeatHeads(ws.get(2 * per).values(), d, kv, headDim, repeats);
                float[] keyBias = bias ? repeatHeads(ws.get(per + 1).values(), 1, kv, headDim, repeats) : null;
                float[] valueBias = bias ? repeatHeads(ws.get(2 * per + 1).values(), 1, kv, headDim, repeats) : null;
                var weights = new ReferenceAttention.Weights(ws.get(0).values(), bias ? ws.get(1).values() : null, keyKernel,
                        keyBias, valueKernel, valueBias, ws.get(3 * per).values(), bias ? ws.get(3 * per + 1).values() : null);
                // Keras' masks of the query and the value: a query position masked, value positions masked
                float[] qm = new float[b * t], vm = new float[b * s];
                for (int i = 0; i < qm.length; i++) qm[i] = masks && r.nextInt(4) == 0 ? 0 : 1;
                for (int i = 0; i < vm.length; i++) vm[i] = masks && r.nextInt(3) == 0 ? 0 : 1;
                float[] joined = new float[b * t * s];
                for (int bi = 0; bi < b; bi++) {
                    for (int i = 0; i < t; i++) {
                        for (int j = 0; j < s; j++) joined[(bi * t + i) * s + j] = qm[bi * t + i] * vm[bi * s + j];
                    }
                }
                // dot_product_attention at inference, the Softmax layer's way with the scores returned
                ReferenceAttention.Masked how = scores ? ReferenceAttention.Masked.ZERO : ReferenceAttention.Masked.WHERE;
                float[] wantScores = scores ? new float[b * heads * t * s] : null;
                RefArray want = ReferenceAttention.run(new RefArray(new int[] {b, t, d}, q),
                        new RefArray(new int[] {b, s, d}, v), key ? new RefArray(new int[] {b, s, dk}, k) : null,
                        masks ? new RefArray(new int[] {b, t, s}, joined) : null, causal, new int[] {1}, heads, headDim,
                        headDim, d, weights, how, 0, wantScores);
                List<Tensor> inputs = key ? List.of(tq, tv, tk) : List.of(tq, tv);
                String what = config + " on " + Arrays.toString(new int[] {b, t, s, d, dk});
                List<Tensor> got;
                if (masks) {
                    try (Tensor tqm = Tensor.of(qm, b, t); Tensor tvm = Tensor.of(vm, b, s)) {
                        List<Tensor> ms = new ArrayList<>(Arrays.asList(tqm, tvm));
                        if (key) ms.add(tvm);
                        got = scores ? null : List.of(l.call(inputs, ms));
                    }
                    if (got == null) continue; // masks with the scores returned: MultiHeadAttentionTest's
                } else {
                    got = l.callAll(inputs);
                }
                try {
                    float[] g = got.get(0).toFloatArray();
                    for (int i = 0; i < g.length; i++) {
                        assertEquals(want.data()[i], g[i], 2e-5 + 2e-5 * Math.abs(want.data()[i]), what + " at " + i);
                    }
                    if (scores) assertArrayEquals(wantScores, got.get(1).toFloatArray(), 2e-5f, what + " scores");
                } finally {
                    got.forEach(Tensor::close);
                }
            }
        }
    }

    @Test
    void configsAndRefusalsAsKeras3s() throws Exception {
        String config = "{'name':'gqa','head_dim':4,'num_query_heads':6,'num_key_value_heads':2,'use_bias':false,"
                + "'dropout':0.1,'seed':5}";
        try (Layer l = Layers.fromConfig(JSON.readTree(("{'class_name':'GroupedQueryAttention','config':" + config + "}")
                .replace('\'', '"')))) {
            assertEquals("GroupedQueryAttention", l.className());
            var written = l.getConfig();
            for (String key : List.of("head_dim", "num_query_heads", "num_key_value_heads", "use_bias", "dropout", "seed")) {
                assertTrue(written.has(key), key);
            }
            try (Layer again = Layers.fromConfig(JSON.createObjectNode().put("class_name", "GroupedQueryAttention")
                    .set("config", written))) {
                assertEquals(written, again.getConfig());
            }
            ((MultiHeadAttention) l).build(new long[] {-1, 3, 8}, new long[] {-1, 5, 8}, new long[] {-1, 5, 3});
            // key and value kernels (features, key/value heads, head_dim)
            assertArrayEquals(new int[] {3, 2, 4}, l.weightSpecs().get(1).shape());
            assertArrayEquals(new int[] {8, 2, 4}, l.weightSpecs().get(2).shape());
            assertArrayEquals(new int[] {6, 4, 8}, l.weightSpecs().get(3).shape());
        }
        String[][] refused = {
                {"'head_dim':4,'num_query_heads':6,'num_key_value_heads':4", "divisible"},
                {"'head_dim':4,'num_query_heads':6", "num_key_value_heads"},
                {"'head_dim':0,'num_query_heads':2,'num_key_value_heads':1", "head_dim"},
                {"'head_dim':4,'num_query_heads':2,'num_key_value_heads':1,'dropout':0.5,'flash_attention':true", "flash"},
                {"'head_dim':4,'num_query_heads':2,'num_key_value_heads':1,'output_shape':3", "output_shape"}};
        for (String[] c : refused) {
            var e = assertThrows(IllegalArgumentException.class, () -> Layers.fromConfig(JSON.readTree(
                    ("{'class_name':'GroupedQueryAttention','config':{" + c[0] + "}}").replace('\'', '"'))), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        try (MultiHeadAttention l = MultiHeadAttention.groupedBuilder(2, 2, 1).build()) {
            var dims = assertThrows(IllegalArgumentException.class,
                    () -> l.build(new long[] {-1, 3, 8}, new long[] {-1, 5, 6}, null));
            assertTrue(dims.getMessage().contains("must be equal"), dims.getMessage());
            var rank = assertThrows(IllegalArgumentException.class,
                    () -> l.build(new long[] {-1, 3, 2, 8}, new long[] {-1, 5, 2, 8}, null));
            assertTrue(rank.getMessage().contains("rank 3"), rank.getMessage());
        }
    }

    @Test
    void aKerasFileHoldsItAndATfKerasOneCannot(@TempDir Path dir) throws Exception {
        Random r = new Random(3);
        KerasTensor q = KerasTensor.input("query", -1, 4, 6);
        KerasTensor v = KerasTensor.input("value", -1, 5, 6);
        MultiHeadAttention gqa = MultiHeadAttention.groupedBuilder(3, 4, 2).name("gqa").useCausalMask(true).build();
        KerasTensor out = gqa.apply(q, v);
        try (Functional m = Functional.of("grouped", List.of(q, v), List.of(out))) {
            List<Weight> ws = new ArrayList<>();
            for (WeightSpec spec : gqa.weightSpecs()) {
                int n = 1;
                for (int x : spec.shape()) n *= x;
                ws.add(new Weight(spec.name(), spec.shape(), random(r, n)));
            }
            gqa.setWeights(ws);
            try (Tensor tq = Tensor.of(random(r, 2 * 24), 2, 4, 6); Tensor tv = Tensor.of(random(r, 2 * 30), 2, 5, 6)) {
                List<Tensor> y = m.predict(List.of(tq, tv));
                kdnn.io.Models.save(m, dir.resolve("m.keras"));
                try (var back = kdnn.io.Models.load(dir.resolve("m.keras"))) {
                    List<Tensor> y2 = back.predict(List.of(tq, tv));
                    assertArrayEquals(y.get(0).toFloatArray(), y2.get(0).toFloatArray(), 0f);
                    assertTrue(back.layer("gqa").getConfig().path("use_causal_mask").asBoolean(), "the call's causal mask");
                    y2.forEach(Tensor::close);
                }
                y.forEach(Tensor::close);
                var h5 = assertThrows(IllegalArgumentException.class, () -> kdnn.io.Models.save(m, dir.resolve("m.h5")));
                assertTrue(h5.getMessage().contains("GroupedQueryAttention"), h5.getMessage());
            }
        }
    }
}
