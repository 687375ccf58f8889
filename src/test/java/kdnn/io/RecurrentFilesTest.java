package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Weight;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models with recurrent layers: a Conv1D front, an LSTM over every step, a GRU to the last step
 * and a Dense head predict as their layers one by one, and every format writes and reads them
 * back bitwise. A tf.keras file names a recurrent layer's weights by its cell
 * ({@code lstm/lstm_cell/kernel:0}); a Keras 3 file keeps them at {@code layers/lstm/cell/vars}.
 */
class RecurrentFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CONV_LSTM_GRU = ("""
            {'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': [
             {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 12, 3], 'dtype': 'float32', 'name': 'x'}},
             {'class_name': 'Conv1D', 'config': {'name': 'conv', 'filters': 6, 'kernel_size': 3, 'activation': 'relu',
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 1}}}},
             {'class_name': 'MaxPooling1D', 'config': {'name': 'pool', 'pool_size': 2}},
             {'class_name': 'LSTM', 'config': {'name': 'lstm', 'units': 5, 'return_sequences': true,
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 2}},
              'recurrent_initializer': {'class_name': 'Orthogonal', 'config': {'gain': 1.0, 'seed': 3}}}},
             {'class_name': 'GRU', 'config': {'name': 'gru', 'units': 4, 'go_backwards': true,
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 4}},
              'recurrent_initializer': {'class_name': 'Orthogonal', 'config': {'gain': 1.0, 'seed': 5}},
              'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 6}}}},
             {'class_name': 'Dense', 'config': {'name': 'out', 'units': 2, 'activation': 'softmax',
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 7}}}}]}}
            """).replace('\'', '"');

    private static float[] input() {
        float[] x = new float[2 * 12 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.41) * 2;
        return x;
    }

    @Test
    void predictsAsItsLayersAndEveryFormatKeepsIt(@TempDir Path dir) throws Exception {
        try (Model m = ModelConfigs.build(JSON.readTree(CONV_LSTM_GRU), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(input(), 2, 12, 3); Tensor y = m.predict(in)) {
            Tensor t = in;
            List<Tensor> made = new ArrayList<>();
            try {
                for (String name : List.of("conv", "pool", "lstm", "gru", "out")) {
                    t = m.layer(name).call(t);
                    made.add(t);
                }
                assertArrayEquals(t.toFloatArray(), y.toFloatArray(), 1e-6f);
            } finally {
                made.forEach(Tensor::close);
            }
            Fixtures.everyFormat(m, dir, in, (file, back, got) -> {
                for (String name : List.of("lstm", "gru")) {
                    assertEquals(m.layer(name).getWeights(), back.layer(name).getWeights(), file + " " + name);
                }
            });
        }
    }

    /** tf.keras 2.x's own layout: the LSTM's weights named by its cell, "lstm/lstm_cell/kernel:0". */
    @Test
    void tfKerasNamesTheWeightsByTheCell(@TempDir Path dir) throws Exception {
        String config = ("{'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 4, 2], 'name': 'x'}},"
                + "{'class_name': 'LSTM', 'config': {'name': 'lstm', 'units': 3}}]}}").replace('\'', '"');
        float[][] kernel = new float[2][12];
        float[][] recurrent = new float[3][12];
        float[] bias = new float[12];
        for (int i = 0; i < 12; i++) {
            kernel[0][i] = (float) Math.sin(i);
            kernel[1][i] = (float) Math.cos(i);
            for (int r = 0; r < 3; r++) recurrent[r][i] = (float) Math.sin(i * 3 + r) * 0.5f;
            bias[i] = i * 0.05f;
        }
        Path file = Fixtures.hdf5(dir.resolve("lstm.h5"), f -> {
            f.putAttribute("keras_version", "2.12.0");
            f.putAttribute("backend", "tensorflow");
            f.putAttribute("model_config", config);
            var w = f.putGroup("model_weights");
            w.putAttribute("layer_names", new String[] {"lstm"});
            Fixtures.layer(w, "lstm", new String[] {"lstm/lstm_cell/kernel:0", "lstm/lstm_cell/recurrent_kernel:0",
                "lstm/lstm_cell/bias:0"}, Map.of("lstm/lstm_cell/kernel:0", kernel,
                "lstm/lstm_cell/recurrent_kernel:0", recurrent, "lstm/lstm_cell/bias:0", bias));
        });
        try (Model m = Models.load(file)) {
            Layer lstm = m.layer("lstm");
            assertArrayEquals(kernel[1], java.util.Arrays.copyOfRange(lstm.getWeights().get(0).values(), 12, 24), 0f);
            assertArrayEquals(bias, lstm.getWeights().get(2).values(), 0f);
            assertEquals(List.of("kernel", "recurrent_kernel", "bias"), lstm.getWeights().stream().map(Weight::name).toList());
        }
    }

    /** A text classifier: Embedding, a Bidirectional LSTM over every step, a Bidirectional GRU summed, a Dense head. */
    @Test
    void bidirectionalLayersInEveryFormat(@TempDir Path dir) throws Exception {
        String config = ("""
                {'class_name': 'Sequential', 'config': {'name': 'text', 'layers': [
                 {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 7], 'dtype': 'int32', 'name': 'ids'}},
                 {'class_name': 'Embedding', 'config': {'name': 'emb', 'input_dim': 20, 'output_dim': 4,
                  'embeddings_initializer': {'class_name': 'RandomUniform', 'config': {'seed': 1}}}},
                 {'class_name': 'Bidirectional', 'config': {'name': 'bi_lstm', 'layer': {'class_name': 'LSTM', 'config':
                  {'name': 'lstm', 'units': 3, 'return_sequences': true,
                   'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 2}}}}}},
                 {'class_name': 'Bidirectional', 'config': {'name': 'bi_gru', 'merge_mode': 'sum', 'layer': {'class_name':
                  'GRU', 'config': {'name': 'gru', 'units': 2,
                   'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 3}}}}}},
                 {'class_name': 'Dense', 'config': {'name': 'out', 'units': 1, 'activation': 'sigmoid'}}]}}
                """).replace('\'', '"');
        float[] ids = new float[2 * 7];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 3) % 20;
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(ids, 2, 7); Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 1}, y.shape());
            Fixtures.everyFormat(m, dir, in, (file, back, got) -> {
                for (String name : List.of("bi_lstm", "bi_gru")) {
                    assertEquals(m.layer(name).getWeights(), back.layer(name).getWeights(), file + " " + name);
                }
            });
        }
    }

    /** Keras 2's CuDNNLSTM in .h5 (and kdnn's TF.js) bitwise; .keras, whose Keras has no such class, refused. */
    @Test
    void cudnnLstmInKeras2Formats(@TempDir Path dir) throws Exception {
        String config = ("{'class_name': 'Sequential', 'config': {'name': 'gpu', 'layers': ["
                + "{'class_name': 'CuDNNLSTM', 'config': {'name': 'cu_dnnlstm', 'units': 4, 'batch_input_shape': [null, 6, 3],"
                + " 'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 5}}}},"
                + "{'class_name': 'Dense', 'config': {'name': 'out', 'units': 2}}]}}").replace('\'', '"');
        float[] x = new float[2 * 6 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.3);
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(x, 2, 6, 3); Tensor want = m.predict(in)) {
            for (String file : List.of("m.h5", "tfjs")) {
                Models.save(m, dir.resolve(file));
                try (Model back = Models.load(dir.resolve(file)); Tensor got = back.predict(in)) {
                    assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f, file);
                    assertEquals("CuDNNLSTM", back.layer("cu_dnnlstm").className(), file);
                }
            }
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Models.save(m, dir.resolve("m.keras")));
            assertEquals(true, e.getMessage().contains("Keras 2's class CuDNNLSTM"), e.getMessage());
        }
    }

    /**
     * Keras 2's hard_sigmoid gates (its LSTM default) are another function in Keras 3: a model read with
     * Keras 2's rules is not written into a .keras file, which would compute Keras 3's, also inside a
     * Bidirectional; .h5 keeps them.
     */
    @Test
    void keras2HardSigmoidGatesStayInKeras2Formats(@TempDir Path dir) throws Exception {
        String config = ("{'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                + "{'class_name': 'Bidirectional', 'config': {'name': 'bi', 'batch_input_shape': [null, 5, 2], 'layer':"
                + " {'class_name': 'LSTM', 'config': {'name': 'lstm', 'units': 3, 'recurrent_activation': 'hard_sigmoid'}}}}"
                + "]}}").replace('\'', '"');
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(new float[2 * 5 * 2], 2, 5, 2); Tensor want = m.predict(in)) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Models.save(m, dir.resolve("m.keras")));
            assertEquals(true, e.getMessage().contains("recurrent_activation hard_sigmoid"), e.getMessage());
            Models.save(m, dir.resolve("m.h5"));
            try (Model back = Models.load(dir.resolve("m.h5")); Tensor got = back.predict(in)) {
                assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f);
            }
        }
    }
}
