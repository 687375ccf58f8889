package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.CustomScaleLayer;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * InceptionResNetV2's block as Keras' applications build it: branches of convolutions, their
 * Concatenate, a linear 1x1 convolution with a bias ({@code up}), {@code CustomScaleLayer(scale)([x,
 * up])} ({@code x + up * scale}) and a ReLU. Both configs (tf.keras' and Keras 3's, whose layer lives
 * in {@code keras.src.applications.inception_resnet_v2}) load, compute {@code x + up * scale} with the
 * product rounded before the sum, and are written and read back in every format.
 */
class InceptionResNetBlockTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SCALE = 0.17;

    private static String kerasTensor(String layer, int channels) {
        return "{'class_name': '__keras_tensor__', 'config': {'shape': [null, 6, 6, " + channels + "], 'dtype': 'float32',"
                + " 'keras_history': ['" + layer + "', 0, 0]}}";
    }

    private static String conv(String name, int filters, int kernel, String activation, boolean bias, int seed,
                               String input, boolean keras3) {
        return "{'class_name': 'Conv2D', 'config': {'name': '" + name + "', 'filters': " + filters + ", 'kernel_size': ["
                + kernel + ", " + kernel + "], 'padding': 'same', 'activation': '" + activation + "', 'use_bias': " + bias
                + ", 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': " + seed + "}},"
                + " 'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': " + (seed + 50) + "}}},"
                + " 'name': '" + name + "', 'inbound_nodes': " + node(keras3, input) + "}";
    }

    private static String node(boolean keras3, String input) {
        int channels = input.equals("input_1") || input.equals("stem") || input.equals("mixed") ? 8 : 4;
        return keras3 ? "[{'args': [" + kerasTensor(input, channels) + "], 'kwargs': {}}]" : "[[['" + input + "', 0, 0, {}]]]";
    }

    static String block(boolean keras3) {
        String module = keras3 ? "'module': 'keras.src.applications.inception_resnet_v2', 'registered_name':"
                + " 'CustomScaleLayer', " : "";
        String mixedNodes = keras3 ? "[{'args': [[" + kerasTensor("b0", 4) + ", " + kerasTensor("b1b", 4) + "]], 'kwargs': {}}]"
                : "[[['b0', 0, 0, {}], ['b1b', 0, 0, {}]]]";
        String scaleNodes = keras3 ? "[{'args': [[" + kerasTensor("stem", 8) + ", " + kerasTensor("up", 8) + "]],"
                + " 'kwargs': {}}]" : "[[['stem', 0, 0, {}], ['up', 0, 0, {}]]]";
        return ("{'class_name': 'Functional', 'config': {'name': 'inception_resnet_block', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 6, 6, 8], 'name': 'input_1'},"
                + " 'name': 'input_1', 'inbound_nodes': []}, "
                + conv("stem", 8, 3, "relu", true, 5, "input_1", keras3) + ", "
                + conv("b0", 4, 1, "relu", false, 1, "stem", keras3) + ", "
                + conv("b1a", 4, 1, "relu", false, 2, "stem", keras3) + ", "
                + conv("b1b", 4, 3, "relu", false, 3, "b1a", keras3) + ", "
                + "{'class_name': 'Concatenate', 'config': {'name': 'mixed', 'axis': 3}, 'name': 'mixed',"
                + " 'inbound_nodes': " + mixedNodes + "}, "
                + conv("up", 8, 1, "linear", true, 4, "mixed", keras3) + ", "
                + "{" + module + "'class_name': 'CustomScaleLayer', 'config': {'name': 'custom_scale_layer', 'trainable': true,"
                + " 'dtype': 'float32', 'scale': " + SCALE + "}, 'name': 'custom_scale_layer', 'inbound_nodes': "
                + scaleNodes + "}, "
                + "{'class_name': 'Activation', 'config': {'name': 'block35_0_ac', 'activation': 'relu'},"
                + " 'name': 'block35_0_ac', 'inbound_nodes': " + node(keras3, "custom_scale_layer") + "}],"
                + " 'input_layers': [['input_1', 0, 0]], 'output_layers': [['block35_0_ac', 0, 0]]},"
                + " 'keras_version': '" + (keras3 ? "3.15.1" : "2.15.0") + "', 'backend': 'tensorflow'}").replace('\'', '"');
    }

    /** {@code x + (float) (y * (float) scale)}, then ReLU where asked (NaN kept, as Keras' ReLU keeps it). */
    static float[] reference(float[] x, float[] y, double scale, boolean relu) {
        float s = (float) scale;
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float v = x[i] + y[i] * s;
            out[i] = relu && v < 0 ? 0f : v;
        }
        return out;
    }

    @Test
    void bothKerasFormsComputeTheBlockAndSurviveEveryFormat(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 6 * 6 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.13) * 2;
        for (boolean keras3 : new boolean[] {false, true}) {
            Path config = Files.writeString(dir.resolve("block.json"), block(keras3));
            try (Model m = kdnn.model.ModelConfigs.build(ConfigNormalizer.normalize(JSON.readTree(block(keras3)), "block"),
                    (path, layer, expected) -> layer.getWeights());
                 Tensor in = Tensor.of(x, 2, 6, 6, 8); Tensor got = m.predict(in)) {
                CustomScaleLayer scale = (CustomScaleLayer) m.layer("custom_scale_layer");
                assertEquals(SCALE, scale.scale());
                float[] up;
                float[] stem;
                try (Tensor st = m.layer("stem").call(in); Tensor a = m.layer("b0").call(st); Tensor b = m.layer("b1a").call(st);
                     Tensor c = m.layer("b1b").call(b); Tensor d = m.layer("mixed").call(List.of(a, c));
                     Tensor e = m.layer("up").call(d)) {
                    up = e.toFloatArray();
                    stem = st.toFloatArray();
                    try (Tensor s = scale.call(List.of(st, e))) {
                        assertArrayEquals(reference(stem, up, SCALE, false), s.toFloatArray(), 0f, "the layer alone");
                    }
                }
                assertArrayEquals(reference(stem, up, SCALE, true), got.toFloatArray(), 0f, keras3 ? "Keras 3" : "tf.keras");
                // the plan: `up` scales its result and adds it into the stem's buffer (the ReLU, a model output, apart)
                String plan = m.plan(new long[] {2, 6, 6, 8});
                assertTrue(plan.contains("up + custom_scale_layer fused as a scale and a sum into the buffer of"), plan);
                m.setFusion(false);
                try (Tensor unfused = m.predict(in)) {
                    assertArrayEquals(got.toFloatArray(), unfused.toFloatArray(), 0f, "layer by layer");
                }
                m.setFusion(true);
                Models.save(m, dir.resolve("w.h5"));
                try (Model loaded = Models.load(config, dir.resolve("w.h5")); Tensor again = loaded.predict(in)) {
                    assertArrayEquals(got.toFloatArray(), again.toFloatArray(), 0f, "the config read from its file");
                }
                Fixtures.everyFormat(m, dir, in, (file, back, out) -> assertEquals(Layers.toConfig(scale),
                        Layers.toConfig(back.layer("custom_scale_layer")), file));
                JsonNode written;
                try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("m.keras").toFile())) {
                    written = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
                }
                JsonNode entry = null;
                for (JsonNode l : written.path("config").path("layers")) {
                    if (l.path("class_name").asText().equals("CustomScaleLayer")) entry = l;
                }
                assertEquals("keras.src.applications.inception_resnet_v2", entry.path("module").asText(), entry.toString());
                assertEquals(SCALE, entry.path("config").path("scale").asDouble(), entry.toString());
            }
        }
    }

    @Test
    void broadcastsAndKeepsExtremesAsTensorFlowComputesThem() throws Exception {
        // (2, 4, 1, 3) + (2, 1, 5, 3) * scale: each side broadcast over the other's axis of length 1
        float[] x = new float[2 * 4 * 3];
        float[] y = new float[2 * 5 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.7) * 3;
        for (int i = 0; i < y.length; i++) y[i] = (float) Math.sin(i * 1.3) * 5;
        x[4] = Float.NaN;
        y[7] = Float.POSITIVE_INFINITY;
        y[8] = Float.NEGATIVE_INFINITY;
        x[3 * 3 + 2] = Float.POSITIVE_INFINITY; // with y's -Inf at (0, ., 2, 2): NaN
        for (double s : new double[] {SCALE, -2.5, 0.0, 1e-30}) {
            try (CustomScaleLayer l = CustomScaleLayer.of(null, s); Tensor a = Tensor.of(x, 2, 4, 1, 3);
                 Tensor b = Tensor.of(y, 2, 1, 5, 3); Tensor out = l.call(List.of(a, b))) {
                assertArrayEquals(new long[] {2, 4, 5, 3}, out.shape());
                float[] want = new float[2 * 4 * 5 * 3];
                float f = (float) s;
                for (int n = 0; n < 2; n++) {
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 5; j++) {
                            for (int c = 0; c < 3; c++) {
                                want[((n * 4 + i) * 5 + j) * 3 + c] = x[(n * 4 + i) * 3 + c] + y[(n * 5 + j) * 3 + c] * f;
                            }
                        }
                    }
                }
                float[] got = out.toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    // (+ 0f: a zero's sign aside, which an addend of +0 or -0 decides alike in both)
                    assertEquals(want[i] + 0f, got[i] + 0f, 0f, "scale " + s + " at " + i);
                }
            }
        }
    }

    @Test
    void refusals() throws Exception {
        String[][] cases = {
                {"{}", "missing 1 required positional argument: 'scale'"},
                {"{'scale': 'big'}", "scale"},
                {"{'scale': 0.1, 'offset': 1}", "offset"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> Layers.fromConfig(JSON.readTree(
                    ("{'class_name': 'CustomScaleLayer', 'config': " + c[0] + "}").replace('\'', '"'))), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        try (Layer l = CustomScaleLayer.of("s", 0.1)) {
            var three = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(List.of(
                    new long[] {-1, 4}, new long[] {-1, 4}, new long[] {-1, 4})));
            assertTrue(three.getMessage().contains("exactly 2 inputs"), three.getMessage());
            var ranks = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(List.of(
                    new long[] {-1, 4, 3}, new long[] {-1, 3})));
            assertTrue(ranks.getMessage().contains("one rank"), ranks.getMessage());
            var shapes = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(List.of(
                    new long[] {-1, 4, 3}, new long[] {-1, 5, 3})));
            assertTrue(shapes.getMessage().contains("incompatible shapes"), shapes.getMessage());
        }
    }
}
