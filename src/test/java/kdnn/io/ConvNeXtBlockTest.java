package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ConvNeXt's block as Keras' applications build it: a grouped 7x7 convolution, LayerNormalization,
 * Dense, gelu, Dense, the {@code LayerScale} and {@code StochasticDepth} layers of
 * {@code keras.applications.convnext}, and the residual sum ({@code inputs + x}, a TFOpLambda in
 * tf.keras, a Keras 3 {@code Add} operation). Both configs load, compute what the layers compute
 * one by one, and are written and read back in every format.
 */
class ConvNeXtBlockTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Keras 3's record of a tensor argument. */
    private static String kerasTensor(String layer) {
        return "{'class_name': '__keras_tensor__', 'config': {'shape': [null, 6, 6, 8], 'dtype': 'float32',"
                + " 'keras_history': ['" + layer + "', 0, 0]}}";
    }

    private static String block(boolean keras3) {
        String module = keras3 ? "'module': 'keras.src.applications.convnext', 'registered_name': '%s', " : "";
        String add = keras3
                ? "{'module': 'keras.src.ops.numpy', 'class_name': 'Add', 'config': {'name': 'add'}, 'registered_name': 'Add',"
                        + " 'name': 'add', 'inbound_nodes': [{'args': [" + kerasTensor("input_1") + ", "
                        + kerasTensor("b_stochastic_depth") + "], 'kwargs': {}}]}"
                : "{'class_name': 'TFOpLambda', 'config': {'name': 'add', 'function': '__operators__.add'}, 'name': 'add',"
                        + " 'inbound_nodes': [['input_1', 0, 0, {'y': ['b_stochastic_depth', 0, 0], 'name': null}]]}";
        return ("{'class_name': 'Functional', 'config': {'name': 'convnext_block', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 6, 6, 8], 'name': 'input_1'},"
                + " 'name': 'input_1', 'inbound_nodes': []},"
                + "{'class_name': 'Conv2D', 'config': {'name': 'b_depthwise_conv', 'filters': 8, 'kernel_size': [7, 7],"
                + " 'padding': 'same', 'groups': 8, 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 1}}},"
                + " 'name': 'b_depthwise_conv', 'inbound_nodes': [[['input_1', 0, 0, {}]]]},"
                + "{'class_name': 'LayerNormalization', 'config': {'name': 'b_layernorm', 'epsilon': 1e-06},"
                + " 'name': 'b_layernorm', 'inbound_nodes': [[['b_depthwise_conv', 0, 0, {}]]]},"
                + "{'class_name': 'Dense', 'config': {'name': 'b_pointwise_conv_1', 'units': 32,"
                + " 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 2}}},"
                + " 'name': 'b_pointwise_conv_1', 'inbound_nodes': [[['b_layernorm', 0, 0, {}]]]},"
                + "{'class_name': 'Activation', 'config': {'name': 'b_gelu', 'activation': 'gelu'},"
                + " 'name': 'b_gelu', 'inbound_nodes': [[['b_pointwise_conv_1', 0, 0, {}]]]},"
                + "{'class_name': 'Dense', 'config': {'name': 'b_pointwise_conv_2', 'units': 8,"
                + " 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 3}}},"
                + " 'name': 'b_pointwise_conv_2', 'inbound_nodes': [[['b_gelu', 0, 0, {}]]]},"
                + "{" + module.formatted("LayerScale") + "'class_name': 'LayerScale', 'config': {'name': 'b_layer_scale',"
                + " 'trainable': true, 'init_values': 0.5, 'projection_dim': 8},"
                + " 'name': 'b_layer_scale', 'inbound_nodes': [[['b_pointwise_conv_2', 0, 0, {}]]]},"
                + "{" + module.formatted("StochasticDepth") + "'class_name': 'StochasticDepth', 'config': {'name':"
                + " 'b_stochastic_depth', 'trainable': true, 'drop_path_rate': 0.1},"
                + " 'name': 'b_stochastic_depth', 'inbound_nodes': [[['b_layer_scale', 0, 0, {}]]]}, " + add + "],"
                + " 'input_layers': [['input_1', 0, 0]], 'output_layers': [['add', 0, 0]]},"
                + " 'keras_version': '" + (keras3 ? "3.6.0" : "2.12.0") + "', 'backend': 'tensorflow'}").replace('\'', '"');
    }

    @Test
    void bothKerasFormsComputeTheBlockAndSurviveEveryFormat(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 6 * 6 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.13) * 2;
        for (boolean keras3 : new boolean[] {false, true}) {
            Path config = Files.writeString(dir.resolve("block.json"), block(keras3));
            try (Model m = kdnn.model.ModelConfigs.build(ConfigNormalizer.normalize(JSON.readTree(block(keras3)), "block"),
                    (path, layer, expected) -> layer.getWeights());
                 Tensor in = Tensor.of(x, 2, 6, 6, 8); Tensor y = m.predict(in)) {
                Layer scale = m.layer("b_layer_scale");
                assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, scale.getWeights().get(0).values());
                Fixtures.setDistinctWeights(scale);
                // layer by layer: x + gamma * dense2(gelu(dense1(ln(conv(x))))), the stochastic depth an identity
                float[] got;
                try (Tensor y2 = m.predict(in)) {
                    got = y2.toFloatArray();
                }
                float[] want = x.clone();
                try (Tensor a = m.layer("b_depthwise_conv").call(in); Tensor b = m.layer("b_layernorm").call(a);
                     Tensor c = m.layer("b_pointwise_conv_1").call(b); Tensor d = m.layer("b_gelu").call(c);
                     Tensor e = m.layer("b_pointwise_conv_2").call(d); Tensor f = scale.call(e);
                     Tensor g = m.layer("b_stochastic_depth").call(f)) {
                    float[] r = g.toFloatArray();
                    float[] gamma = scale.getWeights().get(0).values();
                    float[] ev = e.toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(ev[i] * gamma[i % 8], r[i], 0f, "LayerScale multiplies by gamma per channel");
                        want[i] += r[i];
                    }
                }
                assertArrayEquals(want, got, 1e-5f, keras3 ? "Keras 3" : "tf.keras");
                Models.save(m, dir.resolve("w.h5"));
                try (Model loaded = Models.load(config, dir.resolve("w.h5")); Tensor y3 = loaded.predict(in)) {
                    assertArrayEquals(got, y3.toFloatArray(), 0f, "the config read from its file");
                }
                Fixtures.everyFormat(m, dir, in, (file, back, out) -> assertEquals(Layers.toConfig(scale),
                        Layers.toConfig(back.layer("b_layer_scale")), file));
            }
        }
    }

    @Test
    void refusals() throws Exception {
        String[][] cases = {
                {"LayerScale", "{'init_values': 1e-6}", "`projection_dim` must be a positive integer"},
                {"LayerScale", "{'projection_dim': 4}", "needs a finite `init_values`"},
                {"StochasticDepth", "{'drop_path_rate': 1.5}", "must be within [0, 1]"},
                {"StochasticDepth", "{}", "needs the argument `drop_path_rate`"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> Layers.fromConfig(JSON.readTree(
                    ("{'class_name': '" + c[0] + "', 'config': " + c[1] + "}").replace('\'', '"'))), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        try (Layer l = Layers.fromConfig(JSON.readTree("{\"class_name\": \"LayerScale\", \"config\": {\"init_values\": 1e-6,"
                + " \"projection_dim\": 4}}"))) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 5, 8}));
            assertTrue(e.getMessage().contains("projection_dim is 4"), e.getMessage());
        }
    }
}
