package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tf.keras' {@code tf.nn.max_pool2d} / {@code avg_pool1d} ... and Keras 3's {@code ops.max_pool} /
 * {@code ops.average_pool} read as the Keras pooling layer that calls the same function: windows and
 * strides as one number, one per spatial axis or TensorFlow's per axis, NHWC and NCHW, SAME and VALID,
 * each against that layer called directly; a window over the batch or channels refused.
 */
class PoolingFunctionsTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static float[] layer(String json, float[] x, long... shape) throws Exception {
        try (Layer l = Layers.fromConfig(JSON.readTree(json.replace('\'', '"'))); Tensor in = Tensor.of(x, shape);
             Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void tfNnPoolingAsTheKerasLayers(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 5 * 6 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.61) * 3;
        String[][] cases = {
            {"nn.max_pool2d", "[null, 5, 6, 3]", "{'ksize': [1, 3, 3, 1], 'strides': 2, 'padding': 'SAME', 'name': null}",
                "{'class_name': 'MaxPooling2D', 'config': {'pool_size': 3, 'strides': 2, 'padding': 'same'}}", "2,5,6,3"},
            {"nn.avg_pool2d", "[null, 3, 5, 6]", "{'ksize': 2, 'strides': [1, 1, 1, 2], 'padding': 'VALID',"
                + " 'data_format': 'NCHW', 'name': null}", "{'class_name': 'AveragePooling2D', 'config': {'pool_size': 2,"
                + " 'strides': [1, 2], 'padding': 'valid', 'data_format': 'channels_first'}}", "2,3,5,6"},
            {"nn.avg_pool1d", "[null, 15, 6]", "{'ksize': [4], 'strides': [3], 'padding': 'SAME', 'name': null}",
                "{'class_name': 'AveragePooling1D', 'config': {'pool_size': 4, 'strides': 3, 'padding': 'same'}}", "2,15,6"},
        };
        for (String[] c : cases) {
            String config = TfKerasOps.model(TfKerasOps.input(c[1]) + ", " + TfKerasOps.lambda("out", c[0], "x", c[2]), "out");
            long[] shape = java.util.Arrays.stream(c[4].split(",")).mapToLong(Long::parseLong).toArray();
            try (Model m = Models.load(Files.writeString(dir.resolve("p.json"), config)); Tensor in = Tensor.of(x, shape);
                 Tensor y = m.predict(in)) {
                assertArrayEquals(layer(c[3], x, shape), y.toFloatArray(), 0f, c[0]);
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5", "m.keras"));
            }
        }
    }

    @Test
    void keras3PoolingOperations(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 4 * 4 * 4 * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.37);
        // pool_size one number: the rank from the tensor's shape (3D here)
        String shape3 = "{'class_name': '__keras_tensor__', 'config': {'shape': [null, 4, 4, 4, 2], 'dtype': 'float32',"
                + " 'keras_history': ['x', 0, 0]}}";
        String config = Keras3Ops.model("[null, 4, 4, 4, 2]", "p", List.of(new Keras3Ops.Op("p", "nn", "MaxPool",
                "{'name': 'p', 'pool_size': 2, 'strides': null, 'padding': 'valid', 'data_format': null}", shape3)));
        try (Model m = Models.load(Files.writeString(dir.resolve("k3.json"), config)); Tensor in = Tensor.of(x, 2, 4, 4, 4, 2);
             Tensor y = m.predict(in)) {
            assertEquals("MaxPooling3D", m.allLayers().get(m.allLayers().size() - 1).className());
            assertArrayEquals(layer("{'class_name': 'MaxPooling3D', 'config': {'pool_size': 2}}", x, 2, 4, 4, 4, 2),
                    y.toFloatArray(), 0f);
        }
    }

    @Test
    void windowsOverTheBatchOrChannelsAreRefused(@TempDir Path dir) throws Exception {
        String[][] cases = {{"{'ksize': [2, 2, 2, 1], 'strides': 1, 'padding': 'VALID', 'name': null}", "a window or stride"},
                {"{'ksize': 2, 'strides': 1, 'padding': 'EXPLICIT', 'name': null}", "padding"},
                {"{'ksize': 2, 'strides': 1, 'padding': 'VALID', 'data_format': 'NCHW_VECT_C', 'name': null}", "data_format"}};
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("bad.json"), TfKerasOps.model(TfKerasOps.input("[null, 4, 4, 2]") + ", "
                    + TfKerasOps.lambda("out", "nn.max_pool2d", "x", c[0]), "out"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
