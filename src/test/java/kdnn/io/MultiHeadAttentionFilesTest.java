package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.MultiHeadAttention;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MultiHeadAttention in model files: tf.keras' calls (the value, key and attention_mask as
 * keyword arguments of the query's reference, use_causal_mask among them) and Keras 3's (args and
 * kwargs), each predicting as the layer called alone on the same tensors, then saved as .h5 and
 * .keras in the form each Keras writes (tf.keras' kwargs and {@code query/kernel:0} names; Keras
 * 3's {@code query_dense/vars}) and read back to the same bits. TF.js, return_attention_scores and
 * the inputs' own masks are refused by name.
 */
class MultiHeadAttentionFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String input(String name, String shape) {
        return "{'class_name': 'InputLayer', 'config': {'batch_input_shape': " + shape + ", 'dtype': 'float32', 'name': '"
                + name + "'}, 'name': '" + name + "', 'inbound_nodes': []}";
    }

    private static String attention(String name, String args, String call) {
        return "{'class_name': 'MultiHeadAttention', 'config': {'name': '" + name + "', 'trainable': true, 'dtype':"
                + " 'float32', " + args + ", 'dropout': 0.1, 'use_bias': true, 'output_shape': null, 'attention_axes':"
                + " null, 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 3}}, 'bias_initializer':"
                + " {'class_name': 'RandomNormal', 'config': {'mean': 0.0, 'stddev': 0.5, 'seed': 4}}, 'kernel_regularizer':"
                + " null, 'bias_regularizer': null, 'activity_regularizer': null, 'kernel_constraint': null,"
                + " 'bias_constraint': null}, 'name': '" + name + "', 'inbound_nodes': [" + call + "]}";
    }

    private static String tfKeras(String layers, String inputs, String output) {
        return ("{'class_name': 'Functional', 'config': {'name': 'm', 'layers': [" + layers + "], 'input_layers': ["
                + inputs + "], 'output_layers': [['" + output + "', 0, 0]]}, 'keras_version': '2.15.0',"
                + " 'backend': 'tensorflow'}").replace('\'', '"');
    }

    private static float[] values(int n, double f) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * f) * 2;
        return x;
    }

    /** The model's prediction, and the same layer called alone on {@code [query, value, key, mask]}. */
    private static void sameAsTheLayer(Model m, String layer, List<Tensor> modelInputs, List<Tensor> layerInputs)
            throws Exception {
        List<Tensor> out = m.predict(modelInputs);
        try (Tensor alone = m.layer(layer).call(layerInputs)) {
            assertArrayEquals(alone.toFloatArray(), out.get(0).toFloatArray(), 0f);
        } finally {
            out.forEach(Tensor::close);
        }
    }


    /** A transformer encoder's self-attention with a padding mask, as tf.keras writes the call. */
    @Test
    void tfKerasSelfAttentionWithAMask(@TempDir Path dir) throws Exception {
        String layers = input("x", "[null, 6, 8]") + ", " + input("m", "[null, 6, 6]") + ", "
                + attention("mha", "'num_heads': 2, 'key_dim': 4, 'value_dim': null",
                "[['x', 0, 0, {'value': ['x', 0, 0], 'attention_mask': ['m', 0, 0]}]]")
                + ", {'class_name': 'Add', 'config': {'name': 'res'}, 'name': 'res', 'inbound_nodes': [[['x', 0, 0, {}],"
                + " ['mha', 0, 0, {}]]]}";
        String file = tfKeras(layers, "['x', 0, 0], ['m', 0, 0]", "mha");
        float[] mask = new float[2 * 6 * 6];
        for (int n = 0; n < 2; n++) {
            int length = n == 0 ? 6 : 3;
            for (int t = 0; t < 6; t++) for (int s = 0; s < 6; s++) mask[(n * 6 + t) * 6 + s] = s < length ? 1 : 0;
        }
        try (Model m = load(file); Tensor x = Tensor.of(values(2 * 6 * 8, 0.3), 2, 6, 8);
             Tensor mk = Tensor.of(mask, 2, 6, 6)) {
            MultiHeadAttention mha = (MultiHeadAttention) m.layer("mha");
            assertEquals(2, mha.numHeads());
            assertEquals(4, mha.valueDim());
            assertFalse(mha.useCausalMask());
            sameAsTheLayer(m, "mha", List.of(x, mk), List.of(x, x, x, mk));
            RoundTrips.predictSame(m, dir, List.of(x, mk), List.of("m.h5"));
            // with dropout Keras 3 zeros a query whose every key is masked, where tf.keras weighs them evenly
            Exception refused = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
            assertTrue(refused.getMessage().contains("every key is masked"), refused.getMessage());
            // tf.keras' form: the value and the mask as keyword arguments of the query; weights named query/kernel:0 ...
            try (HdfFile h5 = new HdfFile(dir.resolve("m.h5"))) {
                JsonNode config = JSON.readTree(h5.getAttribute("model_config").getData().toString());
                JsonNode entry = null;
                for (JsonNode l : config.path("config").path("layers")) if (l.path("name").asText().equals("mha")) entry = l;
                assertNotNull(entry);
                JsonNode kwargs = entry.path("inbound_nodes").get(0).get(0).get(3);
                assertEquals("[\"x\",0,0]", kwargs.get("value").toString());
                assertEquals("[\"m\",0,0]", kwargs.get("attention_mask").toString());
                assertFalse(kwargs.has("key"));
                assertEquals("[null,6,8]", entry.path("config").path("query_shape").toString());
                Dataset k = (Dataset) h5.getByPath("model_weights/mha/mha/query/kernel:0");
                assertArrayEquals(new int[] {8, 2, 4}, k.getDimensions());
                Dataset o = (Dataset) h5.getByPath("model_weights/mha/mha/attention_output/kernel:0");
                assertArrayEquals(new int[] {2, 4, 8}, o.getDimensions());
            }
        }
    }

    /** Cross-attention with its own key and the causal mask, as tf.keras and Keras 3 write the call. */
    @Test
    void causalCrossAttentionInBothForms(@TempDir Path dir) throws Exception {
        String tfLayers = input("q", "[null, 5, 6]") + ", " + input("v", "[null, 5, 4]") + ", " + input("k", "[null, 5, 3]")
                + ", " + attention("att", "'num_heads': 3, 'key_dim': 2, 'value_dim': 5",
                "[['q', 0, 0, {'value': ['v', 0, 0], 'key': ['k', 0, 0], 'use_causal_mask': true}]]");
        String keras3 = ("{'module': 'keras', 'class_name': 'Functional', 'config': {'name': 'm', 'trainable': true,"
                + " 'layers': [" + k3Input("q", "[null, 5, 6]") + ", " + k3Input("v", "[null, 5, 4]") + ", "
                + k3Input("k", "[null, 5, 3]") + ", {'module': 'keras.layers', 'class_name': 'MultiHeadAttention',"
                + " 'config': {'name': 'att', 'trainable': true, 'dtype': {'module': 'keras', 'class_name': 'DTypePolicy',"
                + " 'config': {'name': 'float32'}, 'registered_name': null}, 'num_heads': 3, 'key_dim': 2, 'value_dim': 5,"
                + " 'dropout': 0.0, 'use_bias': true, 'output_shape': null, 'attention_axes': [1], 'kernel_initializer':"
                + " {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': 3},"
                + " 'registered_name': null}, 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'RandomNormal',"
                + " 'config': {'mean': 0.0, 'stddev': 0.5, 'seed': 4}, 'registered_name': null}, 'kernel_regularizer': null,"
                + " 'bias_regularizer': null, 'activity_regularizer': null, 'kernel_constraint': null, 'bias_constraint': null,"
                + " 'seed': null}, 'registered_name': null, 'build_config': {'shapes_dict': {'query_shape': [null, 5, 6],"
                + " 'value_shape': [null, 5, 4], 'key_shape': [null, 5, 3]}}, 'name': 'att', 'inbound_nodes': [{'args': ["
                + Keras3Ops.tensor("q") + ", " + Keras3Ops.tensor("v") + "], 'kwargs': {'key': " + Keras3Ops.tensor("k")
                + ", 'use_causal_mask': true}}]}], 'input_layers': [['q', 0, 0], ['v', 0, 0], ['k', 0, 0]],"
                + " 'output_layers': [['att', 0, 0]]}, 'registered_name': 'Functional'}").replace('\'', '"');
        String tf = tfKeras(tfLayers, "['q', 0, 0], ['v', 0, 0], ['k', 0, 0]", "att");
        String k3 = keras3;
        try (Tensor q = Tensor.of(values(2 * 5 * 6, 0.21), 2, 5, 6); Tensor v = Tensor.of(values(2 * 5 * 4, 0.37), 2, 5, 4);
             Tensor k = Tensor.of(values(2 * 5 * 3, 0.53), 2, 5, 3)) {
            for (String file : List.of(tf, k3)) {
                try (Model m = load(file)) {
                    MultiHeadAttention att = (MultiHeadAttention) m.layer("att");
                    assertTrue(att.useCausalMask(), file);
                    assertEquals(5, att.valueDim());
                    sameAsTheLayer(m, "att", List.of(q, v, k), List.of(q, v, k));
                    RoundTrips.predictSame(m, dir, List.of(q, v, k), List.of("m.h5", "m.keras"));
                    // the causal mask changes the result: position 0 sees only the first key
                    try (MultiHeadAttention open = MultiHeadAttention.builder(3, 2).valueDim(5).build()) {
                        open.build(q.shape(), v.shape(), k.shape());
                        open.setWeights(att.getWeights());
                        List<Tensor> out = m.predict(List.of(q, v, k));
                        try (Tensor noMask = open.call(List.of(q, v, k))) {
                            assertFalse(java.util.Arrays.equals(noMask.toFloatArray(), out.get(0).toFloatArray()));
                        } finally {
                            out.forEach(Tensor::close);
                        }
                    }
                }
            }
            // Keras 3's form as kdnn writes it: query and value as args, the key and use_causal_mask as kwargs
            try (Model m = load(tf)) {
                Models.save(m, dir.resolve("w.keras"));
                JsonNode config = readKerasConfig(dir.resolve("w.keras"));
                JsonNode entry = null;
                for (JsonNode l : config.path("config").path("layers")) if (l.path("name").asText().equals("att")) entry = l;
                assertNotNull(entry);
                JsonNode call = entry.path("inbound_nodes").get(0);
                assertEquals(2, call.path("args").size());
                assertEquals("k", call.path("kwargs").path("key").path("config").path("keras_history").get(0).asText());
                assertTrue(call.path("kwargs").path("use_causal_mask").asBoolean());
                assertFalse(entry.path("config").has("use_causal_mask"));
                assertFalse(entry.path("config").has("query_shape"));
                assertEquals("[null,5,3]", entry.path("build_config").path("shapes_dict").path("key_shape").toString());
                try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("w.keras").toFile())) {
                    Path weights = dir.resolve("w.weights.h5");
                    Files.copy(zip.getInputStream(zip.getEntry("model.weights.h5")), weights);
                    try (HdfFile h5 = new HdfFile(weights)) {
                        String[] parts = {"query_dense", "key_dense", "value_dense", "output_dense"};
                        int[][] kernels = {{6, 3, 2}, {3, 3, 2}, {4, 3, 5}, {3, 5, 6}};
                        for (int p = 0; p < 4; p++) {
                            Dataset d = (Dataset) h5.getByPath("layers/multi_head_attention/" + parts[p] + "/vars/0");
                            assertArrayEquals(kernels[p], d.getDimensions(), parts[p]);
                        }
                    }
                }
            }
        }
    }

    /** A model from a config as a file holds it, its weights drawn by their initializers. */
    private static Model load(String config) throws Exception {
        return kdnn.model.ModelConfigs.build(ConfigNormalizer.normalize(JSON.readTree(config), "config.json"),
                (path, layer, expected) -> layer.getWeights());
    }

    /** Keras 3.15's config keys (use_gate, sliding_window; the resolved value_dim and axes) and a call of keywords only. */
    private static String keras315(String name, boolean gate, String window, String call) {
        return ("{'module': 'keras', 'class_name': 'Functional', 'config': {'name': 'm', 'trainable': true, 'layers': ["
                + k3Input("x", "[null, 6, 5]") + ", {'module': 'keras.layers', 'class_name': 'MultiHeadAttention',"
                + " 'config': {'name': '" + name + "', 'trainable': true, 'dtype': {'module': 'keras', 'class_name':"
                + " 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': null}, 'num_heads': 2, 'key_dim': 3,"
                + " 'value_dim': 3, 'dropout': 0.0, 'use_bias': true, 'use_gate': " + gate + ", 'output_shape': [5],"
                + " 'attention_axes': [1], 'sliding_window': " + window + ", 'kernel_initializer': {'module':"
                + " 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': 5}, 'registered_name': null},"
                + " 'bias_initializer': {'module': 'keras.initializers', 'class_name': 'RandomNormal', 'config': {'mean':"
                + " 0.0, 'stddev': 0.5, 'seed': 6}, 'registered_name': null}, 'kernel_regularizer': null,"
                + " 'bias_regularizer': null, 'activity_regularizer': null, 'kernel_constraint': null, 'bias_constraint':"
                + " null, 'seed': null}, 'registered_name': null, 'build_config': {'shapes_dict': {'query_shape': [null, 6,"
                + " 5], 'value_shape': [null, 6, 5]}}, 'name': '" + name + "', 'inbound_nodes': [" + call + "]}],"
                + " 'input_layers': [['x', 0, 0]], 'output_layers': [['" + name + "', 0, 0]]}, 'registered_name':"
                + " 'Functional'}").replace('\'', '"');
    }

    @Test
    void keras315GateAndSlidingWindow(@TempDir Path dir) throws Exception {
        String kwargsOnly = "{'args': [], 'kwargs': {'query': " + Keras3Ops.tensor("x") + ", 'value': " + Keras3Ops.tensor("x")
                + ", 'training': false}}";
        String positional = "{'args': [" + Keras3Ops.tensor("x") + ", " + Keras3Ops.tensor("x") + "], 'kwargs': {}}";
        try (Tensor x = Tensor.of(values(2 * 6 * 5, 0.29), 2, 6, 5)) {
            // the defaults Keras 3.15 writes read as the plain layer; a keyword-only call as the positional one
            try (Model a = load(keras315("att", false, "null", kwargsOnly)); Model b = load(keras315("att", false, "null",
                    positional))) {
                MultiHeadAttention att = (MultiHeadAttention) a.layer("att");
                assertFalse(att.useGate());
                assertEquals(null, att.slidingWindow());
                b.layer("att").setWeights(att.getWeights());
                List<Tensor> ya = a.predict(List.of(x));
                List<Tensor> yb = b.predict(List.of(x));
                try {
                    assertArrayEquals(ya.get(0).toFloatArray(), yb.get(0).toFloatArray(), 0f);
                } finally {
                    ya.forEach(Tensor::close);
                    yb.forEach(Tensor::close);
                }
            }
            try (Model m = load(keras315("att", true, "2", positional))) {
                MultiHeadAttention att = (MultiHeadAttention) m.layer("att");
                assertTrue(att.useGate());
                assertEquals(2, att.slidingWindow());
                assertEquals(10, att.getWeights().size());
                sameAsTheLayer(m, "att", List.of(x), List.of(x, x));
                RoundTrips.predictSame(m, dir, List.of(x), List.of("m.keras"));
                Exception h5 = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.h5")));
                assertTrue(h5.getMessage().contains("use_gate"), h5.getMessage());
                // the gate, which has no public property, at its attribute's name, between the key and the value
                try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("m.keras").toFile())) {
                    Path weights = dir.resolve("g.weights.h5");
                    Files.copy(zip.getInputStream(zip.getEntry("model.weights.h5")), weights);
                    try (HdfFile h5file = new HdfFile(weights)) {
                        Dataset gate = (Dataset) h5file.getByPath("layers/multi_head_attention/_gate_dense/vars/0");
                        assertArrayEquals(new int[] {5, 2, 3}, gate.getDimensions());
                    }
                    JsonNode config = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
                    JsonNode c = config.path("config").path("layers").get(1).path("config");
                    assertTrue(c.path("use_gate").asBoolean());
                    assertEquals(2, c.path("sliding_window").asInt());
                }
            }
        }
    }

    private static String k3Input(String name, String shape) {
        return "{'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {'batch_shape': " + shape + ", 'dtype':"
                + " 'float32', 'name': '" + name + "'}, 'registered_name': null, 'name': '" + name + "', 'inbound_nodes': []}";
    }

    private static JsonNode readKerasConfig(Path file) throws Exception {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            return JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
        }
    }

    private static Layer layer(String cls, String config) throws Exception {
        return kdnn.layers.Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}")
                .replace('\'', '"')));
    }

    /**
     * Keras' "timeseries classification with a Transformer" model, two encoder blocks (layer norm,
     * self-attention with dropout, residual add, layer norm, 1x1 convolutions, residual add), a
     * channels_first global average and a softmax head: the model predicts what its layers called
     * one by one give, at batch 1 and 5, and every Keras format reads it back to the same bits.
     */
    @Test
    void aTransformerClassifierOfKerasExamples(@TempDir Path dir) throws Exception {
        KerasTensor x = KerasTensor.input(kdnn.layers.InputLayer.of("series", -1, 12, 3));
        List<Layer[]> blocks = new ArrayList<>();
        KerasTensor h = x;
        for (int b = 0; b < 2; b++) {
            Layer[] l = {
                layer("LayerNormalization", "{'name': 'ln_a" + b + "', 'epsilon': 1e-6, 'beta_initializer': {'class_name':"
                        + " 'RandomNormal', 'config': {'seed': " + b + "}}}"),
                layer("MultiHeadAttention", "{'name': 'mha" + b + "', 'num_heads': 4, 'key_dim': 8, 'dropout': 0.25,"
                        + " 'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': " + (10 + b) + "}}}"),
                layer("Dropout", "{'name': 'drop_a" + b + "', 'rate': 0.25}"),
                layer("Add", "{'name': 'res_a" + b + "'}"),
                layer("LayerNormalization", "{'name': 'ln_b" + b + "', 'epsilon': 1e-6}"),
                layer("Conv1D", "{'name': 'ff1_" + b + "', 'filters': 4, 'kernel_size': 1, 'activation': 'relu'}"),
                layer("Conv1D", "{'name': 'ff2_" + b + "', 'filters': 3, 'kernel_size': 1}"),
                layer("Add", "{'name': 'res_b" + b + "'}")};
            KerasTensor n = l[0].apply(h);
            KerasTensor a = l[2].apply(l[1].apply(n, n));
            KerasTensor res = l[3].apply(a, h);
            KerasTensor f = l[6].apply(l[5].apply(l[4].apply(res)));
            h = l[7].apply(f, res);
            blocks.add(l);
        }
        Layer pool = layer("GlobalAveragePooling1D", "{'name': 'pool', 'data_format': 'channels_first'}");
        Layer dense = layer("Dense", "{'name': 'dense', 'units': 16, 'activation': 'relu'}");
        Layer head = layer("Dense", "{'name': 'head', 'units': 2, 'activation': 'softmax'}");
        KerasTensor y = head.apply(dense.apply(pool.apply(h)));
        try (Functional m = Functional.of("transformer", List.of(x), List.of(y))) {
            for (int batch : new int[] {1, 5}) {
                try (Tensor in = Tensor.of(values(batch * 12 * 3, 0.17 + batch), batch, 12, 3)) {
                    List<Tensor> owned = new ArrayList<>();
                    try {
                        Tensor t = in;
                        for (Layer[] l : blocks) {
                            Tensor n = own(owned, l[0].call(t));
                            Tensor a = own(owned, l[1].call(List.of(n, n)));
                            Tensor res = own(owned, l[3].call(List.of(a, t)));
                            Tensor f = own(owned, l[6].call(own(owned, l[5].call(own(owned, l[4].call(res))))));
                            t = own(owned, l[7].call(List.of(f, res)));
                        }
                        Tensor want = own(owned, head.call(own(owned, dense.call(own(owned, pool.call(t))))));
                        try (Tensor got = m.predict(in)) {
                            assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f, "batch " + batch);
                        }
                        RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5", "m.keras"));
                    } finally {
                        owned.forEach(Tensor::close);
                    }
                }
            }
        }
    }

    private static Tensor own(List<Tensor> owned, Tensor t) {
        owned.add(t);
        return t;
    }

    /**
     * A text classifier as tf.keras writes it: token ids, an Embedding with mask_zero, self-attention
     * reading that mask (a padded key is left out, a padded query row has every key masked), a
     * softmax tagging head on each position. It predicts what its layers
     * called one by one with the masks give, and .h5 and .keras read it back to the same bits (without
     * dropout both Keras versions weigh a padded row's keys evenly; with dropout Keras 3 zeros it, and
     * the .keras save is refused).
     */
    @Test
    void anEmbeddingsMaskThroughSelfAttention(@TempDir Path dir) throws Exception {
        for (String dropout : List.of("0.0", "0.1")) {
            String layers = "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 7], 'dtype': 'int32',"
                    + " 'name': 'ids'}, 'name': 'ids', 'inbound_nodes': []}, {'class_name': 'Embedding', 'config': {'name':"
                    + " 'emb', 'input_dim': 20, 'output_dim': 8, 'mask_zero': true}, 'name': 'emb', 'inbound_nodes': [[['ids',"
                    + " 0, 0, {}]]]}, " + attention("mha", "'num_heads': 2, 'key_dim': 4, 'value_dim': null", "[['emb', 0, 0,"
                    + " {'value': ['emb', 0, 0]}]]").replace("'dropout': 0.1", "'dropout': " + dropout)
                    + ", {'class_name': 'Dense', 'config': {'name': 'head', 'units': 3, 'activation': 'softmax'}, 'name':"
                    + " 'head', 'inbound_nodes': [[['mha', 0, 0, {}]]]}";
            float[] ids = new float[3 * 7];
            float[] mask = new float[3 * 7];
            for (int n = 0; n < 3; n++) {
                for (int t = 0; t < 7; t++) {
                    ids[n * 7 + t] = t < 7 - 2 * n ? 1 + (n * 7 + t * 3) % 19 : 0;
                    mask[n * 7 + t] = ids[n * 7 + t] != 0 ? 1 : 0;
                }
            }
            try (Model m = load(tfKeras(layers, "['ids', 0, 0]", "head")); Tensor in = Tensor.of(ids, 3, 7);
                 Tensor mk = Tensor.of(mask, 3, 7); Tensor e = m.layer("emb").call(in);
                 Tensor a = ((MultiHeadAttention) m.layer("mha")).call(List.of(e, e), List.of(mk, mk));
                 Tensor want = m.layer("head").call(a);
                 Tensor got = m.predict(in)) {
                assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f, "dropout " + dropout);
                assertTrue(m.layersGivenMasks().contains(m.layer("mha")));
                if (dropout.equals("0.0")) {
                    RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5", "m.keras"));
                } else {
                    RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5"));
                    Exception refused = assertThrows(IllegalArgumentException.class,
                            () -> Models.save(m, dir.resolve("m.keras")));
                    assertTrue(refused.getMessage().contains("padded"), refused.getMessage());
                }
            }
        }
    }

    /** return_attention_scores: the scores as the layer's second output, a model output of their own in every format. */
    @Test
    void attentionScoresAsAModelOutput(@TempDir Path dir) throws Exception {
        String layers = input("x", "[null, 4, 6]") + ", " + attention("mha", "'num_heads': 2, 'key_dim': 3, 'value_dim': null",
                "[['x', 0, 0, {'value': ['x', 0, 0], 'return_attention_scores': true}]]");
        String config = ("{'class_name': 'Functional', 'config': {'name': 'm', 'layers': [" + layers + "], 'input_layers':"
                + " [['x', 0, 0]], 'output_layers': [['mha', 0, 0], ['mha', 0, 1]]}, 'keras_version': '2.15.0',"
                + " 'backend': 'tensorflow'}").replace('\'', '"');
        try (Model m = load(config); Tensor x = Tensor.of(values(2 * 4 * 6, 0.41), 2, 4, 6)) {
            List<Tensor> alone = m.layer("mha").callAll(List.of(x, x));
            List<Tensor> got = m.predict(List.of(x));
            try {
                assertEquals(2, got.size());
                assertArrayEquals(new long[] {2, 2, 4, 4}, got.get(1).shape());
                for (int k = 0; k < 2; k++) assertArrayEquals(alone.get(k).toFloatArray(), got.get(k).toFloatArray(), 0f);
            } finally {
                alone.forEach(Tensor::close);
                got.forEach(Tensor::close);
            }
            for (String f : List.of("s.h5", "s.keras")) {
                Models.save(m, dir.resolve(f));
                try (Model back = Models.load(dir.resolve(f))) {
                    assertTrue(((MultiHeadAttention) back.layer("mha")).returnAttentionScores(), f);
                    List<Tensor> a = m.predict(List.of(x));
                    List<Tensor> b = back.predict(List.of(x));
                    try {
                        for (int k = 0; k < 2; k++) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, f);
                    } finally {
                        a.forEach(Tensor::close);
                        b.forEach(Tensor::close);
                    }
                }
            }
            JsonNode call = readKerasConfig(dir.resolve("s.keras")).path("config").path("layers").get(1)
                    .path("inbound_nodes").get(0);
            assertTrue(call.path("kwargs").path("return_attention_scores").asBoolean(), call.toString());
        }
    }

    @Test
    void refusals(@TempDir Path dir) throws Exception {
        Exception e;
        String masks = input("x", "[null, 4, 6]") + ", " + input("qm", "[null, 4]") + ", "
                + attention("mha", "'num_heads': 2, 'key_dim': 3, 'value_dim': null",
                "[['x', 0, 0, {'value': ['x', 0, 0], 'query_mask': ['qm', 0, 0]}]]");
        String qm = tfKeras(masks, "['x', 0, 0], ['qm', 0, 0]", "mha");
        e = assertThrows(RuntimeException.class, () -> load(qm));
        assertTrue(e.getMessage().contains("query_mask"), e.getMessage());
        String noValue = input("x", "[null, 4, 6]") + ", " + attention("mha", "'num_heads': 2, 'key_dim': 3, 'value_dim': null",
                "[['x', 0, 0, {}]]");
        String nv = tfKeras(noValue, "['x', 0, 0]", "mha");
        e = assertThrows(RuntimeException.class, () -> load(nv));
        assertTrue(e.getMessage().contains("value"), e.getMessage());
        // TF.js' Keras has no MultiHeadAttention
        String plain = input("x", "[null, 4, 6]") + ", " + attention("mha", "'num_heads': 2, 'key_dim': 3, 'value_dim': null",
                "[['x', 0, 0, {'value': ['x', 0, 0]}]]");
        String p = tfKeras(plain, "['x', 0, 0]", "mha");
        try (Model m = load(p)) {
            Path tfjs = dir.resolve("tfjs");
            Exception t = assertThrows(IllegalArgumentException.class, () -> Models.save(m, tfjs.resolve("model.json")));
            assertTrue(t.getMessage().contains("TF.js"), t.getMessage());
        }
    }
}
