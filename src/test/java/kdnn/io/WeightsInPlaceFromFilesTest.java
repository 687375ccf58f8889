package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import kdnn.TestData;
import kdnn.layers.Weight;
import org.junit.jupiter.api.Test;

/** float32 weights in Keras' HDF5 files reach the layers as the file's bytes, with no Java array between. */
class WeightsInPlaceFromFilesTest {
    @Test
    void keras2AndKeras3FilesGiveWeightsInPlace() throws Exception {
        for (String file : List.of("model.h5", "model.keras")) {
            Path p = TestData.functionalModels().resolve("resnet_tiny").resolve(file);
            ModelSource s = ModelReader.read(p);
            assertFalse(s.weights().isEmpty(), file);
            try (kdnn.model.Model m = Models.build(s, p.toString())) {
                LoadedModelsComputeTest.assertComputes(m, LoadedModelsComputeTest.expectedJson(
                        p.resolveSibling("expected.json")), file);
            }
            // building the model copied every weight into its layers without making a Java array
            for (List<Weight> ws : s.weights().values()) {
                for (Weight w : ws) assertTrue(w.inPlace(), file + ": " + w);
            }
        }
    }
}
