package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import kdnn.Tensor;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A video classifier built with TimeDistributed (a Conv2D and a pooling on each frame, then a
 * Dense over the frames' features) predicts the same through .h5, .keras and TF.js; Keras 3's
 * file keeps the wrapped layer's weights at {@code layers/time_distributed/layer/vars} and writes
 * the layer in Keras 3's form.
 */
class TimeDistributedFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String MODEL = """
            {'class_name': 'Functional', 'config': {'name': 'video', 'layers': [
            {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 3, 8, 8, 3], 'dtype': 'float32', 'name': 'frames'},
             'name': 'frames', 'inbound_nodes': []},
            {'class_name': 'TimeDistributed', 'config': {'name': 'time_distributed', 'layer': {'class_name': 'Conv2D',
             'config': {'name': 'conv', 'filters': 4, 'kernel_size': [3, 3], 'activation': 'relu',
             'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 1, 'mean': 0.0, 'stddev': 0.3}}}}},
             'name': 'time_distributed', 'inbound_nodes': [[['frames', 0, 0, {}]]]},
            {'class_name': 'TimeDistributed', 'config': {'name': 'time_distributed_1', 'layer': {'class_name':
             'GlobalAveragePooling2D', 'config': {'name': 'pool'}}},
             'name': 'time_distributed_1', 'inbound_nodes': [[['time_distributed', 0, 0, {}]]]},
            {'class_name': 'Flatten', 'config': {'name': 'flatten'}, 'name': 'flatten',
             'inbound_nodes': [[['time_distributed_1', 0, 0, {}]]]},
            {'class_name': 'Dense', 'config': {'name': 'out', 'units': 2, 'activation': 'softmax'},
             'name': 'out', 'inbound_nodes': [[['flatten', 0, 0, {}]]]}],
             'input_layers': [['frames', 0, 0]], 'output_layers': [['out', 0, 0]]}}
            """.replace('\'', '"');

    @Test
    void aVideoClassifierThroughEveryFormat(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 3 * 8 * 8 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.11);
        try (Model m = ModelConfigs.build(JSON.readTree(MODEL), (path, layer, expected) -> layer.getWeights());
             Tensor in = Tensor.of(x, 2, 3, 8, 8, 3); Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 2}, y.shape());
            for (String file : new String[] {"video.h5", "video.keras", "tfjs"}) {
                Models.save(m, dir.resolve(file));
                try (Model again = Models.load(dir.resolve(file)); Tensor y2 = again.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), y2.toFloatArray(), 0f, file);
                    assertEquals(m.summary(), again.summary(), file);
                }
            }
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("video.keras").toFile())) {
            JsonNode config = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
            JsonNode td = config.get("config").get("layers").get(1);
            JsonNode inner = td.get("config").get("layer");
            assertEquals("keras.layers", inner.get("module").asText());
            assertEquals("DTypePolicy", inner.get("config").get("dtype").get("class_name").asText());
            assertEquals(JSON.readTree("[null, 8, 8, 3]"), inner.get("build_config").get("input_shape"), "batch times frames: unknown");
            Path weights = Files.createTempFile(dir, "w", ".h5");
            try (var s = zip.getInputStream(zip.getEntry("model.weights.h5"))) {
                Files.write(weights, s.readAllBytes());
            }
            try (Hdf5 h5 = Hdf5.open(Files.readAllBytes(weights), "model.weights.h5")) {
                var td0 = Hdf5.childGroup(Hdf5.childGroup(h5.root(), "layers"), "time_distributed");
                assertTrue(Hdf5.childGroup(td0, "vars").getChildren().isEmpty(), "the wrapper holds no variables itself");
                var vars = Hdf5.childGroup(Hdf5.childGroup(td0, "layer"), "vars");
                assertEquals(java.util.Set.of("0", "1"), vars.getChildren().keySet());
            }
        }
    }
}
