package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * A model's {@code get_config()} dict, without {@code class_name} (what Keras' {@code
 * Model.from_config} takes, and what some tools save), loads as the {@code to_json()} form does:
 * functional when it names its input layers, Sequential otherwise.
 */
class BareConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String FUNCTIONAL = TfKerasOps.model(TfKerasOps.input("[null, 4]") + ", "
            + "{'class_name': 'Dense', 'config': {'name': 'fc', 'units': 3, 'kernel_initializer': {'class_name':"
            + " 'GlorotUniform', 'config': {'seed': 7}}}, 'name': 'fc', 'inbound_nodes': [[['x', 0, 0, {}]]]}", "fc");

    private static final String SEQUENTIAL = ("{'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': ["
            + "{'class_name': 'Dense', 'config': {'name': 'fc', 'units': 3, 'batch_input_shape': [null, 4],"
            + " 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 7}}}}]}}").replace('\'', '"');

    @Test
    void getConfigDictsLoadAsTheirToJsonForm(@TempDir Path dir) throws Exception {
        for (String full : new String[] {FUNCTIONAL, SEQUENTIAL}) {
            JsonNode root = JSON.readTree(full);
            Path weights = dir.resolve("w.h5");
            try (Model m = ModelConfigs.build(root, (path, layer, expected) -> layer.getWeights())) {
                Models.save(m, weights);
            }
            Path bare = Files.writeString(dir.resolve("bare.json"), JSON.writeValueAsString(root.get("config")));
            Path whole = Files.writeString(dir.resolve("whole.json"), full);
            try (Model a = Models.load(bare, weights); Model b = Models.load(whole, weights);
                 Model c = ModelConfigs.build(root.get("config"), (path, layer, expected) -> b.layer(layer.name()).getWeights());
                 Tensor in = Tensor.of(new float[] {1, -2, 3, 0.5f}, 1, 4); Tensor ya = a.predict(in); Tensor yb = b.predict(in);
                 Tensor yc = c.predict(in)) {
                assertEquals(b.className(), a.className());
                assertEquals(root.get("class_name").asText().equals("Sequential") ? "Sequential" : b.className(), c.className());
                assertArrayEquals(yb.toFloatArray(), ya.toFloatArray(), 0f);
                assertArrayEquals(yb.toFloatArray(), yc.toFloatArray(), 0f);
            }
        }
    }
}
