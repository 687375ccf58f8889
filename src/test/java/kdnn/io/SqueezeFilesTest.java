package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tf.squeeze} (tf.keras' TFOpLambda) and Keras 3's {@code ops.squeeze}: the named axes of
 * length 1 removed, the values unchanged; written back in the form each came in; an axis of another
 * length, the batch axis and no axis at all refused by name.
 */
class SqueezeFilesTest {
    private static final String POOL_SQUEEZE_DENSE = TfKerasOps.model(TfKerasOps.input("[null, 4, 5, 3]") + ", "
            + "{'class_name': 'GlobalAveragePooling2D', 'config': {'name': 'pool', 'keepdims': true}, 'name': 'pool',"
            + " 'inbound_nodes': [[['x', 0, 0, {}]]]}, "
            + TfKerasOps.lambda("tf.squeeze", "squeeze", "pool", "{'axis': %s, 'name': null}") + ", "
            + "{'class_name': 'Dense', 'config': {'name': 'fc', 'units': 2, 'kernel_initializer': {'class_name':"
            + " 'GlorotUniform', 'config': {'seed': 7}}}, 'name': 'fc', 'inbound_nodes': [[['tf.squeeze', 0, 0, {}]]]}", "fc");

    private static final String POOL_DENSE = TfKerasOps.model(TfKerasOps.input("[null, 4, 5, 3]") + ", "
            + "{'class_name': 'GlobalAveragePooling2D', 'config': {'name': 'pool'}, 'name': 'pool',"
            + " 'inbound_nodes': [[['x', 0, 0, {}]]]}, "
            + "{'class_name': 'Dense', 'config': {'name': 'fc', 'units': 2, 'kernel_initializer': {'class_name':"
            + " 'GlorotUniform', 'config': {'seed': 7}}}, 'name': 'fc', 'inbound_nodes': [[['pool', 0, 0, {}]]]}", "fc");

    private static float[] input(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.37) * 3;
        return x;
    }

    @Test
    void tfSqueezeAfterAPoolingThatKeepsItsAxes(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("plain.json"), POOL_DENSE);
        // weights: the plain model's own (seeded initializers), saved as Keras does
        Path weights = dir.resolve("weights.h5");
        try (Model m = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind.ObjectMapper().readTree(POOL_DENSE),
                (path, layer, expected) -> layer.getWeights())) {
            Models.save(m, weights);
        }
        for (String axis : new String[] {"[1, 2]", "[-3, -2]", "[2, 1]"}) {
            Path p = Files.writeString(dir.resolve("squeeze.json"), POOL_SQUEEZE_DENSE.formatted(axis));
            try (Model m = Models.load(p, weights); Model want = Models.load(plain, weights); Tensor in = Tensor.of(input(2 * 4 * 5 * 3), 2, 4, 5, 3);
                 Tensor got = m.predict(in); Tensor w = want.predict(in)) {
                assertEquals("Squeeze", m.layer("tf.squeeze").className());
                assertArrayEquals(new long[] {2, 2}, got.shape());
                assertArrayEquals(w.toFloatArray(), got.toFloatArray(), 0f, "axis " + axis);
                for (String file : List.of("m.h5", "m.keras")) {
                    Models.save(m, dir.resolve(file));
                    try (Model back = Models.load(dir.resolve(file)); Tensor again = back.predict(in)) {
                        assertArrayEquals(got.toFloatArray(), again.toFloatArray(), 0f, file);
                        assertEquals("Squeeze", back.layer("tf.squeeze").className(), file);
                    }
                }
                String h5Config = new String(Files.readAllBytes(dir.resolve("m.h5")), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertTrue(h5Config.contains("\"function\": \"squeeze\"") || h5Config.contains("\"function\":\"squeeze\""),
                        "the .h5 holds the TFOpLambda of tf.squeeze");
                var tfjs = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("tfjs")));
                assertTrue(tfjs.getMessage().contains("has no TF.js form"), tfjs.getMessage());
            }
        }
    }

    @Test
    void keras3SqueezeOperation(@TempDir Path dir) throws Exception {
        String model = Keras3Ops.model("[null, 3, 1, 4]", "sq", List.of(
                new Keras3Ops.Op("sq", "numpy", "Squeeze", "{'name': 'sq', 'axis': 2}", Keras3Ops.tensor("x"))));
        Path p = Files.writeString(dir.resolve("k3.json"), model);
        float[] x = input(2 * 3 * 4);
        try (Model m = Models.load(p); Tensor in = Tensor.of(x, 2, 3, 1, 4); Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 3, 4}, y.shape());
            assertArrayEquals(x, y.toFloatArray(), 0f);
            Models.save(m, dir.resolve("m.keras"));
            try (Model back = Models.load(dir.resolve("m.keras")); Tensor again = back.predict(in)) {
                assertArrayEquals(x, again.toFloatArray(), 0f);
            }
        }
    }

    @Test
    void refusedByName(@TempDir Path dir) throws Exception {
        // an axis of another length, as TensorFlow refuses it
        Path three = Files.writeString(dir.resolve("three.json"), TfKerasOps.model(TfKerasOps.input("[null, 3, 1]") + ", "
                + TfKerasOps.lambda("out", "squeeze", "x", "{'axis': 1, 'name': null}"), "out"));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(three).close());
        assertTrue(e.getMessage().contains("Can not squeeze dim[1], expected a dimension of 1, got 3"), e.getMessage());
        // no axis: every length-1 axis, the batch too for one sample
        Path none = Files.writeString(dir.resolve("none.json"), TfKerasOps.model(TfKerasOps.input("[null, 3, 1]") + ", "
                + TfKerasOps.lambda("out", "squeeze", "x", "{'name': null}"), "out"));
        e = assertThrows(IllegalArgumentException.class, () -> Models.load(none).close());
        assertTrue(e.getMessage().contains("Squeeze needs `axis`"), e.getMessage());
        Path batch = Files.writeString(dir.resolve("batch.json"), TfKerasOps.model(TfKerasOps.input("[1, 3, 1]") + ", "
                + TfKerasOps.lambda("out", "squeeze", "x", "{'axis': 0, 'name': null}"), "out"));
        e = assertThrows(IllegalArgumentException.class, () -> Models.load(batch).close());
        assertTrue(e.getMessage().contains("keeps the batch axis"), e.getMessage());
        // a length the model leaves open is checked at the call
        Path open = Files.writeString(dir.resolve("open.json"), TfKerasOps.model(TfKerasOps.input("[null, null, 3]") + ", "
                + TfKerasOps.lambda("out", "squeeze", "x", "{'axis': 1, 'name': null}"), "out"));
        try (Model m = Models.load(open)) {
            try (Tensor one = Tensor.of(input(6), 2, 1, 3); Tensor y = m.predict(one)) {
                assertArrayEquals(new long[] {2, 3}, y.shape());
                assertArrayEquals(input(6), y.toFloatArray(), 0f);
            }
            try (Tensor four = Tensor.of(input(24), 2, 4, 3)) {
                var call = assertThrows(IllegalArgumentException.class, () -> m.predict(four).close());
                assertTrue(call.getMessage().contains("Can not squeeze dim[1], expected a dimension of 1, got 4"),
                        call.getMessage());
            }
        }
    }

    /**
     * A 3D U-Net's output head as tf.keras saved it (a weather-fronts model's): a Conv3D collapsing the
     * level axis to 1, {@code tf.compat.v1.squeeze(axis=[3])}, a softmax over the classes.
     */
    @Test
    void compatV1SqueezeAfterAConv3D(@TempDir Path dir) throws Exception {
        String layers = TfKerasOps.input("[null, 8, 8, 3, 2]") + ", "
                + "{'class_name': 'Conv3D', 'config': {'name': 'collapse', 'filters': 6, 'kernel_size': [1, 1, 3],"
                + " 'padding': 'valid', 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 7}}},"
                + " 'name': 'collapse', 'inbound_nodes': [[['x', 0, 0, {}]]]}, "
                + TfKerasOps.lambda("tf.compat.v1.squeeze_3", "compat.v1.squeeze", "collapse", "{'axis': [3], 'name': null}")
                + ", {'class_name': 'Activation', 'config': {'name': 'softmax', 'activation': 'softmax'}, 'name': 'softmax',"
                + " 'inbound_nodes': [[['tf.compat.v1.squeeze_3', 0, 0, {}]]]}";
        String config = TfKerasOps.model(layers, "softmax");
        // weights: the twin with a Reshape in the lambda's place (seeded initializers), saved as Keras does
        String twin = config.replace(TfKerasOps.lambda("tf.compat.v1.squeeze_3", "compat.v1.squeeze", "collapse",
                "{'axis': [3], 'name': null}").replace('\'', '"'), ("{'class_name': 'Reshape', 'config': {'name':"
                + " 'tf.compat.v1.squeeze_3', 'target_shape': [8, 8, 6]}, 'name': 'tf.compat.v1.squeeze_3',"
                + " 'inbound_nodes': [[['collapse', 0, 0, {}]]]}").replace('\'', '"'));
        Path weights = dir.resolve("weights.h5");
        try (Model t = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind.ObjectMapper().readTree(twin),
                (path, layer, expected) -> layer.getWeights())) {
            Models.save(t, weights);
        }
        Path file = Files.writeString(dir.resolve("fronts.json"), config);
        try (Model m = Models.load(file, weights);
             Tensor in = Tensor.of(input(2 * 8 * 8 * 3 * 2), 2, 8, 8, 3, 2); Tensor y = m.predict(in);
             Tensor conv = m.layer("collapse").call(in)) {
            assertArrayEquals(new long[] {2, 8, 8, 6}, y.shape());
            // the softmax of the convolution's values over the last axis
            float[] c = conv.toFloatArray();
            float[] got = y.toFloatArray();
            for (int p = 0; p < 2 * 8 * 8; p++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < 6; k++) max = Math.max(max, c[p * 6 + k]);
                double sum = 0;
                for (int k = 0; k < 6; k++) sum += Math.exp(c[p * 6 + k] - max);
                for (int k = 0; k < 6; k++) {
                    assertEquals(Math.exp(c[p * 6 + k] - max) / sum, got[p * 6 + k], 1e-6, "position " + p + " class " + k);
                }
            }
        }
    }
}
