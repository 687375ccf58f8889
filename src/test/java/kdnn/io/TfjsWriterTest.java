package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What kdnn's TF.js files write so that TensorFlow.js reads them as Keras means them (checked with
 * TF.js 4.22 itself over the golden layers): Keras' silu under TF.js' name for it, swish (a wrapped
 * layer's too); a
 * Concatenate's negative axis other than -1 counted from the front (TF.js mis-resolves it).
 */
class TfjsWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void siluAndANegativeConcatenateAxisAreWrittenAsTfjsReadsThem(@TempDir Path dir) throws Exception {
        String config = ("{'class_name': 'Functional', 'config': {'name': 'm', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 2, 3], 'name': 'a'}, 'name': 'a',"
                + " 'inbound_nodes': []},"
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 1, 3], 'name': 'b'}, 'name': 'b',"
                + " 'inbound_nodes': []},"
                + "{'class_name': 'Concatenate', 'config': {'name': 'cat', 'axis': -2}, 'name': 'cat',"
                + " 'inbound_nodes': [[['a', 0, 0, {}], ['b', 0, 0, {}]]]},"
                + "{'class_name': 'Dense', 'config': {'name': 'd', 'units': 2, 'activation': 'silu'}, 'name': 'd',"
                + " 'inbound_nodes': [[['cat', 0, 0, {}]]]},"
                + "{'class_name': 'TimeDistributed', 'config': {'name': 'td', 'layer': {'class_name': 'Dense', 'config':"
                + " {'name': 'inner', 'units': 2, 'activation': 'silu'}}}, 'name': 'td', 'inbound_nodes': [[['d', 0, 0, {}]]]}],"
                + " 'input_layers': [['a', 0, 0], ['b', 0, 0]], 'output_layers': [['td', 0, 0]]}}").replace('\'', '"');
        try (Model m = ModelConfigs.build(JSON.readTree(config), (path, layer, expected) -> layer.getWeights());
             Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3); Tensor b = Tensor.of(new float[] {-1, 0, 1}, 1, 1, 3)) {
            Models.save(m, dir.resolve("tfjs"));
            JsonNode layers = kdnn.model.ModelFiles.readModelJson(dir.resolve("tfjs")).path("modelTopology").path("config")
                    .path("layers");
            for (JsonNode l : layers) {
                if (l.path("name").asText().equals("cat")) assertEquals(1, l.path("config").path("axis").asInt());
                if (l.path("name").asText().equals("d")) assertEquals("swish", l.path("config").path("activation").asText());
                if (l.path("name").asText().equals("td")) {
                    assertEquals("swish", l.path("config").path("layer").path("config").path("activation").asText());
                }
            }
            try (Model back = Models.load(dir.resolve("tfjs")); Tensor y = m.predict(List.of(a, b)).get(0);
                 Tensor z = back.predict(List.of(a, b)).get(0)) {
                assertArrayEquals(y.toFloatArray(), z.toFloatArray(), 0f);
            }
        }
    }
}
