package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.InputLayer;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recurrent layers with {@code return_state} in models: a seq2seq encoder (Embedding with
 * mask_zero, an LSTM giving its sequence and last states, a head on the state) and a
 * Bidirectional GRU whose two last states are joined. Each model's outputs equal its layers called
 * one by one, and every format writes the extra outputs' references and reads them back.
 */
class ReturnStateFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}").replace('\'', '"')));
    }

    private static float[] ids() {
        float[] v = new float[3 * 7];
        for (int n = 0; n < 3; n++) {
            for (int t = 0; t < 7; t++) v[n * 7 + t] = t < n * 2 ? 0 : 1 + (n * 5 + t * 3) % 11;
        }
        return v;
    }

    private static void everyFormat(Model m, Path dir, Tensor in, List<float[]> want) throws Exception {
        for (String file : List.of("m.h5", "m.keras", "tfjs")) {
            Models.save(m, dir.resolve(file));
            try (Model back = Models.load(dir.resolve(file))) {
                List<Tensor> got = back.predict(List.of(in));
                try {
                    assertEquals(want.size(), got.size(), file);
                    for (int k = 0; k < want.size(); k++) assertArrayEquals(want.get(k), got.get(k).toFloatArray(), 0f, file);
                } finally {
                    got.forEach(Tensor::close);
                }
            }
        }
    }

    @Test
    void aSeq2SeqEncodersStatesInEveryFormat(@TempDir Path dir) throws Exception {
        KerasTensor ids = KerasTensor.input(InputLayer.of("ids", "int32", -1, 7));
        Layer emb = layer("Embedding", "{'name': 'emb', 'input_dim': 12, 'output_dim': 4, 'mask_zero': true}");
        Layer lstm = layer("LSTM", "{'name': 'encoder', 'units': 5, 'return_sequences': true, 'return_state': true,"
                + " 'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 2}}}");
        Layer head = layer("Dense", "{'name': 'head', 'units': 2}");
        List<KerasTensor> enc = lstm.applyAll(emb.apply(ids));
        assertEquals(3, enc.size());
        KerasTensor y = head.apply(enc.get(1));
        float[] v = ids();
        float[] mask = new float[v.length];
        for (int i = 0; i < v.length; i++) mask[i] = v[i] != 0 ? 1 : 0;
        try (Functional m = Functional.of("encoder_model", List.of(ids), List.of(y, enc.get(2), enc.get(0)));
             Tensor in = Tensor.of(v, 3, 7); Tensor mk = Tensor.of(mask, 3, 7); Tensor e = emb.call(in)) {
            List<Tensor> states = lstm.callAll(List.of(e), mk);
            List<float[]> want = new ArrayList<>();
            try (Tensor h = head.call(states.get(1))) {
                want.add(h.toFloatArray());
                want.add(states.get(2).toFloatArray());
                want.add(states.get(0).toFloatArray());
            } finally {
                states.forEach(Tensor::close);
            }
            List<Tensor> got = m.predict(List.of(in));
            try {
                for (int k = 0; k < 3; k++) assertArrayEquals(want.get(k), got.get(k).toFloatArray(), 0f, "output " + k);
            } finally {
                got.forEach(Tensor::close);
            }
            // Keras wraps the list of output shapes within its column
            assertTrue(m.summary().contains("encoder (LSTM)                 [(None, 7, 5),       200"), m.summary());
            assertTrue(m.summary().contains("['encoder[0][1]']"), m.summary());
            everyFormat(m, dir, in, want);
        }
    }

    @Test
    void bidirectionalStatesJoined(@TempDir Path dir) throws Exception {
        bidirectional(dir, "'merge_mode': 'concat', ", 1, 2);
    }

    /** merge_mode=None: the two directions' sequences are outputs 0 and 1, the states 2 and 3. */
    @Test
    void bidirectionalWithoutMergeInEveryFormat(@TempDir Path dir) throws Exception {
        bidirectional(dir, "'merge_mode': null, ", 2, 3);
    }

    private static void bidirectional(Path dir, String mode, int forwardState, int backwardState) throws Exception {
        String config = ("""
                {'class_name': 'Functional', 'config': {'name': 'bi_encoder', 'layers': [
                 {'class_name': 'InputLayer', 'name': 'x', 'config': {'batch_input_shape': [null, 6, 3], 'name': 'x'},
                  'inbound_nodes': []},
                 {'class_name': 'Bidirectional', 'name': 'bi', 'config': {'name': 'bi', MODE'layer': {'class_name': 'GRU',
                  'config': {'name': 'gru', 'units': 4, 'return_state': true}}}, 'inbound_nodes': [[['x', 0, 0, {}]]]},
                 {'class_name': 'Concatenate', 'name': 'states', 'config': {'name': 'states', 'axis': -1},
                  'inbound_nodes': [[['bi', 0, FS, {}], ['bi', 0, BS, {}]]]},
                 {'class_name': 'Dense', 'name': 'out', 'config': {'name': 'out', 'units': 2},
                  'inbound_nodes': [[['states', 0, 0, {}]]]}],
                 'input_layers': [['x', 0, 0]], 'output_layers': [['out', 0, 0], ['bi', 0, 0]]}}
                """).replace("MODE", mode).replace("FS", "" + forwardState).replace("BS", "" + backwardState)
                .replace('\'', '"');
        float[] v = new float[2 * 6 * 3];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i * 0.37);
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(v, 2, 6, 3)) {
            List<Tensor> parts = m.layer("bi").callAll(List.of(in));
            List<float[]> want = new ArrayList<>();
            try (Tensor joined = m.layer("states").call(List.of(parts.get(forwardState), parts.get(backwardState)));
                 Tensor out = m.layer("out").call(joined)) {
                want.add(out.toFloatArray());
                want.add(parts.get(0).toFloatArray());
            } finally {
                parts.forEach(Tensor::close);
            }
            everyFormat(m, dir, in, want);
        }
    }

    /**
     * Keras' lstm_seq2seq example as its training model is saved: the encoder LSTM's last states
     * start the decoder LSTM ({@code initial_state}, listed after the sequence in tf.keras' file, a
     * keyword argument in Keras 3's), inputs of any length.
     */
    @Test
    void kerasSeq2SeqTrainingModelInEveryFormat(@TempDir Path dir) throws Exception {
        String config = ("""
                {'class_name': 'Functional', 'config': {'name': 'seq2seq', 'layers': [
                 {'class_name': 'InputLayer', 'name': 'encoder_inputs', 'config': {'batch_input_shape': [null, null, 5],
                  'name': 'encoder_inputs'}, 'inbound_nodes': []},
                 {'class_name': 'InputLayer', 'name': 'decoder_inputs', 'config': {'batch_input_shape': [null, null, 6],
                  'name': 'decoder_inputs'}, 'inbound_nodes': []},
                 {'class_name': 'LSTM', 'name': 'encoder', 'config': {'name': 'encoder', 'units': 4, 'return_state': true,
                  'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 3}}},
                  'inbound_nodes': [[['encoder_inputs', 0, 0, {}]]]},
                 {'class_name': 'LSTM', 'name': 'decoder_lstm', 'config': {'name': 'decoder_lstm', 'units': 4,
                  'return_sequences': true, 'return_state': true},
                  'inbound_nodes': [[['decoder_inputs', 0, 0, {}], ['encoder', 0, 1, {}], ['encoder', 0, 2, {}]]]},
                 {'class_name': 'Dense', 'name': 'decoder_dense', 'config': {'name': 'decoder_dense', 'units': 6,
                  'activation': 'softmax'}, 'inbound_nodes': [[['decoder_lstm', 0, 0, {}]]]}],
                 'input_layers': [['encoder_inputs', 0, 0], ['decoder_inputs', 0, 0]],
                 'output_layers': [['decoder_dense', 0, 0]]}}
                """).replace('\'', '"');
        float[] enc = new float[2 * 7 * 5];
        float[] dec = new float[2 * 4 * 6];
        for (int i = 0; i < enc.length; i++) enc[i] = (float) Math.sin(i * 0.31);
        for (int i = 0; i < dec.length; i++) dec[i] = (float) Math.cos(i * 0.23);
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor e = Tensor.of(enc, 2, 7, 5); Tensor d = Tensor.of(dec, 2, 4, 6)) {
            List<Tensor> states = m.layer("encoder").callAll(List.of(e));
            float[] want;
            try {
                List<Tensor> decoded = m.layer("decoder_lstm").callAll(List.of(d, states.get(1), states.get(2)));
                try (Tensor y = m.layer("decoder_dense").call(decoded.get(0))) {
                    want = y.toFloatArray();
                } finally {
                    decoded.forEach(Tensor::close);
                }
            } finally {
                states.forEach(Tensor::close);
            }
            List<Tensor> got = m.predict(List.of(e, d));
            try {
                assertArrayEquals(want, got.get(0).toFloatArray(), 0f);
            } finally {
                got.forEach(Tensor::close);
            }
            for (String file : List.of("m.h5", "m.keras", "tfjs")) {
                Models.save(m, dir.resolve(file));
                try (Model back = Models.load(dir.resolve(file))) {
                    List<Tensor> again = back.predict(List.of(e, d));
                    try {
                        assertArrayEquals(want, again.get(0).toFloatArray(), 0f, file);
                    } finally {
                        again.forEach(Tensor::close);
                    }
                }
            }
            String keras3 = new String(java.nio.file.Files.readAllBytes(dir.resolve("m.keras")),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(keras3.contains("initial_state"), "Keras 3 passes the states as initial_state");
            // Keras 3 builds such a layer by name, RNN.build(sequences_shape, initial_state_shape)
            assertTrue(keras3.contains("\"shapes_dict\"") && keras3.contains("\"initial_state_shape\""),
                    "the decoder's build_config names its shapes");
        }
    }

    /**
     * The seq2seq structure of DL4J's Keras-import resources (model_seq2seq): a Bidirectional LSTM
     * encoder's forward and backward states concatenated, starting a decoder LSTM twice as wide.
     */
    @Test
    void bidirectionalEncoderStartsADecoder(@TempDir Path dir) throws Exception {
        String config = ("""
                {'class_name': 'Model', 'config': {'name': 'model_1', 'layers': [
                 {'class_name': 'InputLayer', 'name': 'input_1', 'config': {'batch_input_shape': [null, null],
                  'dtype': 'int32', 'name': 'input_1'}, 'inbound_nodes': []},
                 {'class_name': 'Embedding', 'name': 'embedding_1', 'config': {'name': 'embedding_1', 'input_dim': 30,
                  'output_dim': 5, 'input_length': 6, 'mask_zero': true}, 'inbound_nodes': [[['input_1', 0, 0, {}]]]},
                 {'class_name': 'Bidirectional', 'name': 'bidirectional_1', 'config': {'name': 'bidirectional_1',
                  'merge_mode': 'concat', 'layer': {'class_name': 'LSTM', 'config': {'name': 'lstm_1', 'units': 3,
                  'return_state': true}}}, 'inbound_nodes': [[['embedding_1', 0, 0, {}]]]},
                 {'class_name': 'InputLayer', 'name': 'input_2', 'config': {'batch_input_shape': [null, null, 4],
                  'name': 'input_2'}, 'inbound_nodes': []},
                 {'class_name': 'Concatenate', 'name': 'concatenate_1', 'config': {'name': 'concatenate_1', 'axis': -1},
                  'inbound_nodes': [[['bidirectional_1', 0, 1, {}], ['bidirectional_1', 0, 3, {}]]]},
                 {'class_name': 'Concatenate', 'name': 'concatenate_2', 'config': {'name': 'concatenate_2', 'axis': -1},
                  'inbound_nodes': [[['bidirectional_1', 0, 2, {}], ['bidirectional_1', 0, 4, {}]]]},
                 {'class_name': 'LSTM', 'name': 'lstm_2', 'config': {'name': 'lstm_2', 'units': 6, 'return_sequences': true,
                  'return_state': true}, 'inbound_nodes': [[['input_2', 0, 0, {}], ['concatenate_1', 0, 0, {}],
                  ['concatenate_2', 0, 0, {}]]]},
                 {'class_name': 'Dense', 'name': 'dense_1', 'config': {'name': 'dense_1', 'units': 4, 'activation': 'softmax'},
                  'inbound_nodes': [[['lstm_2', 0, 0, {}]]]}],
                 'input_layers': [['input_1', 0, 0], ['input_2', 0, 0]], 'output_layers': [['dense_1', 0, 0]]}}
                """).replace('\'', '"');
        float[] ids = {0, 0, 3, 7, 1, 9, 4, 2, 8, 8, 5, 0};
        float[] dec = new float[2 * 5 * 4];
        for (int i = 0; i < dec.length; i++) dec[i] = (float) Math.cos(i * 0.41);
        float[] mask = new float[ids.length];
        for (int i = 0; i < ids.length; i++) mask[i] = ids[i] != 0 ? 1 : 0;
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(ids, 2, 6); Tensor d = Tensor.of(dec, 2, 5, 4); Tensor mk = Tensor.of(mask, 2, 6);
             Tensor e = m.layer("embedding_1").call(in)) {
            List<Tensor> enc = m.layer("bidirectional_1").callAll(List.of(e), mk);
            float[] want;
            try (Tensor h = m.layer("concatenate_1").call(List.of(enc.get(1), enc.get(3)));
                 Tensor c = m.layer("concatenate_2").call(List.of(enc.get(2), enc.get(4)))) {
                List<Tensor> decoded = m.layer("lstm_2").callAll(List.of(d, h, c));
                try (Tensor y = m.layer("dense_1").call(decoded.get(0))) {
                    want = y.toFloatArray();
                } finally {
                    decoded.forEach(Tensor::close);
                }
            } finally {
                enc.forEach(Tensor::close);
            }
            for (String file : List.of("", "m.h5", "m.keras", "tfjs")) {
                Model back = file.isEmpty() ? m : null;
                if (back == null) {
                    Models.save(m, dir.resolve(file));
                    back = Models.load(dir.resolve(file));
                }
                try {
                    List<Tensor> got = back.predict(List.of(in, d));
                    try {
                        assertArrayEquals(want, got.get(0).toFloatArray(), 0f, file);
                    } finally {
                        got.forEach(Tensor::close);
                    }
                } finally {
                    if (back != m) back.close();
                }
            }
        }
    }

    /** Keras: "All layers in a Sequential model should have a single output tensor." */
    @Test
    void aSequentialRefusesALayerOfSeveralOutputs() throws Exception {
        String config = ("{'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 4, 2], 'name': 'x'}},"
                + "{'class_name': 'LSTM', 'config': {'name': 'lstm', 'units': 3, 'return_state': true}}]}}").replace('\'', '"');
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights()).close());
        assertTrue(e.getMessage().contains("returns 3 tensors"), e.getMessage());
    }
}
