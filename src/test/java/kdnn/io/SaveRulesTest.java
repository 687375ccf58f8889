package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import kdnn.layers.KerasVersion;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer read with Keras 3's definitions is not written into a Keras 2 file where the two
 * compute differently (hard_sigmoid), also inside a TimeDistributed; the Keras 3 file is written.
 */
class SaveRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void keras3HardSigmoidIsNotWrittenAsKeras2sEvenWrapped(@TempDir Path dir) throws Exception {
        String dense = "{'class_name': 'Dense', 'config': {'name': 'd', 'units': 2, 'activation': 'hard_sigmoid'}}";
        String[] models = {
            "{'class_name': 'Sequential', 'config': {'name': 'm', 'layers': [{'class_name': 'InputLayer', 'config':"
                + " {'batch_input_shape': [null, 3], 'name': 'x'}}, " + dense + "]}}",
            "{'class_name': 'Sequential', 'config': {'name': 'm', 'layers': [{'class_name': 'InputLayer', 'config':"
                + " {'batch_input_shape': [null, 2, 3], 'name': 'x'}}, {'class_name': 'TimeDistributed', 'config':"
                + " {'name': 'td', 'layer': " + dense + "}}]}}"};
        for (String config : models) {
            try (Model m = ModelConfigs.build(JSON.readTree(config.replace('\'', '"')),
                    (path, layer, expected) -> layer.getWeights(), KerasVersion.KERAS_3)) {
                Path h5 = dir.resolve("m.h5");
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, h5), config);
                assertTrue(e.getMessage().contains("hard_sigmoid is clip(0.2x + 0.5, 0, 1) in Keras 2"), e.getMessage());
                assertFalse(Files.exists(h5), "nothing written");
                Models.save(m, dir.resolve("m.keras"));
                try (Model again = Models.load(dir.resolve("m.keras"))) {
                    assertTrue(again.allLayers().size() > 0);
                }
            }
        }
    }
}
