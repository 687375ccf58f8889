package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.AdditiveAttention;
import kdnn.layers.Attention;
import kdnn.layers.BaseDenseAttention;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attention and AdditiveAttention in model files: tf.keras' list calls (each input a reference,
 * the call arguments beside each) and Keras 3's ({@code args: [[query, value]]}), an Embedding's
 * mask through an LSTM into self-attention, the causal mask and the weights as an output; each
 * predicting what the layers called one by one give, and read back from .h5 and .keras to the
 * same bits, weights where each Keras keeps them.
 */
class DenseAttentionFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Model load(String config) throws Exception {
        return kdnn.model.ModelConfigs.build(ConfigNormalizer.normalize(JSON.readTree(config.replace('\'', '"')),
                "config.json"), (path, layer, expected) -> layer.getWeights());
    }

    /** Token ids, an Embedding's mask through an LSTM's sequences, self-attention reading it, a tagging head. */
    @Test
    void anEmbeddingsMaskThroughAnLstmIntoAttention(@TempDir Path dir) throws Exception {
        String config = "{'class_name': 'Functional', 'config': {'name': 'm', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 6], 'dtype': 'int32', 'name': 'ids'},"
                + " 'name': 'ids', 'inbound_nodes': []},"
                + " {'class_name': 'Embedding', 'config': {'name': 'emb', 'input_dim': 15, 'output_dim': 5, 'mask_zero': true},"
                + " 'name': 'emb', 'inbound_nodes': [[['ids', 0, 0, {}]]]},"
                + " {'class_name': 'LSTM', 'config': {'name': 'lstm', 'units': 4, 'return_sequences': true},"
                + " 'name': 'lstm', 'inbound_nodes': [[['emb', 0, 0, {}]]]},"
                + " {'class_name': 'Attention', 'config': {'name': 'att', 'trainable': true, 'dtype': 'float32',"
                + " 'dropout': 0.0, 'use_scale': true, 'score_mode': 'dot'}, 'name': 'att',"
                + " 'inbound_nodes': [[['lstm', 0, 0, {}], ['lstm', 0, 0, {}]]]},"
                + " {'class_name': 'Dense', 'config': {'name': 'tag', 'units': 3, 'activation': 'softmax'}, 'name': 'tag',"
                + " 'inbound_nodes': [[['att', 0, 0, {}]]]}],"
                + " 'input_layers': [['ids', 0, 0]], 'output_layers': [['tag', 0, 0]]}, 'keras_version': '2.15.0'}";
        float[] ids = new float[3 * 6];
        float[] mask = new float[3 * 6];
        for (int n = 0; n < 3; n++) {
            for (int t = 0; t < 6; t++) {
                ids[n * 6 + t] = t < 6 - 2 * n ? 1 + (n * 5 + t * 2) % 14 : 0;
                mask[n * 6 + t] = ids[n * 6 + t] != 0 ? 1 : 0;
            }
        }
        try (Model m = load(config); Tensor in = Tensor.of(ids, 3, 6); Tensor mk = Tensor.of(mask, 3, 6);
             Tensor e = m.layer("emb").call(in)) {
            assertTrue(m.layersGivenMasks().contains(m.layer("att")));
            List<Tensor> h = m.layer("lstm").callAll(List.of(e), mk);
            List<Tensor> a = ((BaseDenseAttention) m.layer("att")).callAll(List.of(h.get(0), h.get(0)), mk, mk);
            try (Tensor want = m.layer("tag").call(a.get(0)); Tensor got = m.predict(in)) {
                assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f);
                // a padded query position's attention output is zeros: the tag is the softmax of the bias
                float[] att = a.get(0).toFloatArray();
                for (int c = 0; c < 4; c++) assertEquals(0f, att[(2 * 6 + 5) * 4 + c], 0f);
            } finally {
                h.forEach(Tensor::close);
                a.forEach(Tensor::close);
            }
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5", "m.keras"));
            try (HdfFile h5 = new HdfFile(dir.resolve("m.h5"))) {
                Dataset scale = (Dataset) h5.getByPath("model_weights/att/att/scale:0");
                assertEquals(0, scale.getDimensions().length);
            }
        }
    }

    /** Cross-attention with the causal mask and the weights as an output, in tf.keras' and Keras 3's calls. */
    @Test
    void causalAdditiveAttentionWithItsWeights(@TempDir Path dir) throws Exception {
        String layerTf = "{'class_name': 'AdditiveAttention', 'config': {'name': 'add', 'trainable': true, 'dtype': 'float32',"
                + " 'dropout': 0.0, 'use_scale': true}, 'name': 'add', 'inbound_nodes': [[['q', 0, 0, {'use_causal_mask':"
                + " true, 'return_attention_scores': true}], ['v', 0, 0, {'use_causal_mask': true,"
                + " 'return_attention_scores': true}]]]}";
        String tf = "{'class_name': 'Functional', 'config': {'name': 'm', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 4, 3], 'name': 'q'}, 'name': 'q',"
                + " 'inbound_nodes': []}, {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 5, 3],"
                + " 'name': 'v'}, 'name': 'v', 'inbound_nodes': []}, " + layerTf + "],"
                + " 'input_layers': [['q', 0, 0], ['v', 0, 0]], 'output_layers': [['add', 0, 0], ['add', 0, 1]]},"
                + " 'keras_version': '2.15.0'}";
        String k3 = "{'module': 'keras', 'class_name': 'Functional', 'config': {'name': 'm', 'trainable': true, 'layers': ["
                + k3Input("q", "[null, 4, 3]") + ", " + k3Input("v", "[null, 5, 3]") + ", {'module': 'keras.layers',"
                + " 'class_name': 'AdditiveAttention', 'config': {'name': 'add', 'trainable': true, 'dtype': {'module':"
                + " 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': null},"
                + " 'use_scale': true, 'dropout': 0.0, 'seed': null}, 'registered_name': null, 'build_config':"
                + " {'input_shape': [[null, 4, 3], [null, 5, 3]]}, 'name': 'add', 'inbound_nodes': [{'args': [["
                + Keras3Ops.tensor("q") + ", " + Keras3Ops.tensor("v") + "]], 'kwargs': {'use_causal_mask': true,"
                + " 'return_attention_scores': true}}]}], 'input_layers': [['q', 0, 0], ['v', 0, 0]],"
                + " 'output_layers': [['add', 0, 0], ['add', 0, 1]]}, 'registered_name': 'Functional'}";
        float[] qv = new float[2 * 4 * 3];
        float[] vv = new float[2 * 5 * 3];
        for (int i = 0; i < qv.length; i++) qv[i] = (float) Math.sin(i * 0.7);
        for (int i = 0; i < vv.length; i++) vv[i] = (float) Math.cos(i * 0.3);
        try (Tensor q = Tensor.of(qv, 2, 4, 3); Tensor v = Tensor.of(vv, 2, 5, 3)) {
            for (String config : List.of(tf, k3)) {
                try (Model m = load(config)) {
                    AdditiveAttention add = (AdditiveAttention) m.layer("add");
                    assertTrue(add.useCausalMask());
                    assertTrue(add.returnAttentionScores());
                    List<Tensor> alone = add.callAll(List.of(q, v));
                    List<Tensor> got = m.predict(List.of(q, v));
                    try {
                        assertEquals(2, got.size());
                        assertArrayEquals(new long[] {2, 4, 5}, got.get(1).shape());
                        for (int k = 0; k < 2; k++) assertArrayEquals(alone.get(k).toFloatArray(), got.get(k).toFloatArray(), 0f);
                        float[] w = got.get(1).toFloatArray();
                        assertEquals(1f, w[0], 1e-6f); // query 0 sees key 0 only
                        assertEquals(0f, w[4 * 5 - 1], 0f);
                    } finally {
                        alone.forEach(Tensor::close);
                        got.forEach(Tensor::close);
                    }
                    RoundTrips.predictSame(m, dir, List.of(q, v), List.of("m.h5", "m.keras"));
                    JsonNode call = readKerasConfig(dir.resolve("m.keras")).path("config").path("layers").get(2)
                            .path("inbound_nodes").get(0);
                    assertEquals(2, call.path("args").get(0).size());
                    assertTrue(call.path("kwargs").path("use_causal_mask").asBoolean());
                    assertFalse(readKerasConfig(dir.resolve("m.keras")).path("config").path("layers").get(2).path("config")
                            .has("use_causal_mask"));
                }
            }
        }
    }

    @Test
    void tfjsAndScoreModeRefused(@TempDir Path dir) throws Exception {
        try (Attention a = Attention.of("att", false, "dot", 0, false, false)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Attention.of("bad", false, "general", 0, false, false));
            assertTrue(e.getMessage().contains("score_mode"), e.getMessage());
            kdnn.model.KerasTensor x = kdnn.model.KerasTensor.input(kdnn.layers.InputLayer.of("x", -1, 3, 2));
            try (kdnn.model.Functional f = kdnn.model.Functional.of("f", List.of(x), List.of(a.apply(x, x)))) {
                IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                        () -> Models.save(f, dir.resolve("tfjs")));
                assertTrue(t.getMessage().contains("TF.js"), t.getMessage());
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
}
