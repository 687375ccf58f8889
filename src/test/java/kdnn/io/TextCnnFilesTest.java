package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras' Conv1D text classifier (its "text classification from scratch" model without the
 * vectorizer): int32 token ids, Embedding, Dropout, Conv1D, GlobalMaxPooling1D, Dense. As a
 * functional model with an int32 input and as a Keras 2 Sequential starting with
 * {@code Embedding(input_length=...)}; it predicts what its layers compute one by one, and the same
 * after .h5, .keras and TF.js.
 */
class TextCnnFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String LAYERS = """
            {'class_name': 'Embedding', 'config': {'name': 'embedding', 'input_dim': 40, 'output_dim': 8,
             'embeddings_initializer': {'class_name': 'RandomUniform', 'config': {'minval': -0.5, 'maxval': 0.5, 'seed': 1}}},
             'name': 'embedding', 'inbound_nodes': [[['ids', 0, 0, {}]]]},
            {'class_name': 'Dropout', 'config': {'name': 'dropout', 'rate': 0.5}, 'name': 'dropout',
             'inbound_nodes': [[['embedding', 0, 0, {}]]]},
            {'class_name': 'Conv1D', 'config': {'name': 'conv1d', 'filters': 6, 'kernel_size': 3, 'activation': 'relu',
             'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 2}},
             'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 3, 'mean': 0.0, 'stddev': 0.1}}},
             'name': 'conv1d', 'inbound_nodes': [[['dropout', 0, 0, {}]]]},
            {'class_name': 'GlobalMaxPooling1D', 'config': {'name': 'pool'}, 'name': 'pool',
             'inbound_nodes': [[['conv1d', 0, 0, {}]]]},
            {'class_name': 'Dense', 'config': {'name': 'out', 'units': 3, 'activation': 'softmax',
             'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 4}}},
             'name': 'out', 'inbound_nodes': [[['pool', 0, 0, {}]]]}
            """;

    private static final String FUNCTIONAL = ("{'class_name': 'Functional', 'config': {'name': 'text', 'layers': ["
            + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 12], 'dtype': 'int32', 'name': 'ids'},"
            + " 'name': 'ids', 'inbound_nodes': []}, " + LAYERS + "],"
            + " 'input_layers': [['ids', 0, 0]], 'output_layers': [['out', 0, 0]]}}").replace('\'', '"');

    /** Keras 2's Sequential: no InputLayer, the Embedding's input_length gives the input shape. */
    private static String sequential() throws Exception {
        var functional = JSON.readTree(FUNCTIONAL);
        var model = JSON.createObjectNode().put("class_name", "Sequential");
        var layers = model.putObject("config").put("name", "text").putArray("layers");
        for (var l : functional.get("config").get("layers")) {
            if (l.get("class_name").asText().equals("InputLayer")) continue;
            var entry = ((com.fasterxml.jackson.databind.node.ObjectNode) l.deepCopy());
            entry.remove("name");
            entry.remove("inbound_nodes");
            if (entry.get("class_name").asText().equals("Embedding")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) entry.get("config")).put("input_length", 12);
            }
            layers.add(entry);
        }
        return model.toString();
    }

    private static float[] ids() {
        float[] x = new float[3 * 12];
        for (int i = 0; i < x.length; i++) x[i] = (i * 7 + 3) % 40;
        return x;
    }

    @Test
    void functionalWithInt32IdsPredictsItsLayersThroughEveryFormat(@TempDir Path dir) throws Exception {
        check(FUNCTIONAL, dir, new String[] {"text.h5", "text.keras", "tfjs"});
    }

    @Test
    void keras2SequentialStartingWithAnEmbeddingOfInputLength(@TempDir Path dir) throws Exception {
        check(sequential(), dir, new String[] {"seq.h5", "seq.keras", "tfjs-seq"});
    }

    /** Keras 3's form: the InputLayer's dtype as a name or as a DTypePolicy, the Embedding's as a float32 policy. */
    @Test
    void keras3InputsOfInt32Indices(@TempDir Path dir) throws Exception {
        // the table: a Keras 2 model's with the same layer, in a weights file
        Path weights = dir.resolve("table.h5");
        String twin = ("{'class_name': 'Sequential', 'config': {'name': 't', 'layers': [{'class_name': 'Embedding', 'config':"
                + " {'name': 'emb', 'input_dim': 6, 'output_dim': 2, 'input_length': 4, 'embeddings_initializer':"
                + " {'class_name': 'RandomUniform', 'config': {'minval': -1.0, 'maxval': 1.0, 'seed': 5}}}}]}}").replace('\'', '"');
        float[] table;
        try (Model t = ModelConfigs.build(JSON.readTree(twin), (path, layer, expected) -> layer.getWeights())) {
            Models.save(t, weights);
            table = t.layer("emb").getWeights().get(0).values();
        }
        String policy = "{'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': '%s'}, 'registered_name': null}";
        for (String dtype : new String[] {"'int32'", policy.formatted("int32"), policy.formatted("int64")}) {
            String model = ("{'module': 'keras', 'class_name': 'Functional', 'config': {'name': 'ids', 'trainable': true,"
                    + " 'layers': [{'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {'batch_shape': [null, 4],"
                    + " 'dtype': " + dtype + ", 'sparse': false, 'name': 'ids'}, 'registered_name': null, 'name': 'ids',"
                    + " 'inbound_nodes': []}, {'module': 'keras.layers', 'class_name': 'Embedding', 'config': {'name': 'emb',"
                    + " 'trainable': true, 'dtype': " + policy.formatted("float32") + ", 'input_dim': 6, 'output_dim': 2,"
                    + " 'embeddings_initializer': {'module': 'keras.initializers', 'class_name': 'RandomUniform', 'config':"
                    + " {'minval': -1.0, 'maxval': 1.0, 'seed': 5}, 'registered_name': null}, 'embeddings_regularizer': null,"
                    + " 'activity_regularizer': null, 'embeddings_constraint': null, 'mask_zero': false}, 'registered_name':"
                    + " null, 'build_config': {'input_shape': [null, 4]}, 'name': 'emb', 'inbound_nodes': [{'args': [{"
                    + "'class_name': '__keras_tensor__', 'config': {'shape': [null, 4], 'dtype': 'int32', 'keras_history':"
                    + " ['ids', 0, 0]}}], 'kwargs': {}}]}], 'input_layers': [['ids', 0, 0]], 'output_layers': [['emb', 0, 0]]},"
                    + " 'registered_name': 'Functional'}").replace('\'', '"');
            Path p = java.nio.file.Files.writeString(dir.resolve("k3.json"), model);
            try (Model m = Models.load(p, weights); Tensor in = Tensor.of(new float[] {5, 0, 3, 3}, 1, 4);
                 Tensor y = m.predict(in)) {
                float[] want = {table[10], table[11], table[0], table[1], table[6], table[7], table[6], table[7]};
                assertArrayEquals(want, y.toFloatArray(), 0f, dtype);
            }
        }
    }

    private static void check(String config, Path dir, String[] files) throws Exception {
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(ids(), 3, 12); Tensor y = m.predict(in)) {
            Tensor x = Tensor.of(ids(), 3, 12);
            for (String name : new String[] {"embedding", "dropout", "conv1d", "pool", "out"}) {
                Layer l = m.layer(name);
                Tensor next = l.call(x);
                x.close();
                x = next;
            }
            try (Tensor want = x) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
                assertArrayEquals(new long[] {3, 3}, y.shape());
            }
            for (String file : files) {
                Models.save(m, dir.resolve(file));
                try (Model again = Models.load(dir.resolve(file)); Tensor y2 = again.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), y2.toFloatArray(), 0f, file);
                }
            }
            float[] v = ids();
            v[5] = 40;
            try (Tensor outOfRange = Tensor.of(v, 3, 12)) {
                var e = assertThrows(IllegalArgumentException.class, () -> m.predict(outOfRange).close());
                assertTrue(e.getMessage().contains("input value 40.0 at position 5 is not an index in [0, 40)"), e.getMessage());
            }
        }
    }
}
