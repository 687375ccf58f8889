package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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

    /** Keras 3's newer activations (hard_tanh...) have no Keras 2 name: such a layer is not written to .h5 or TF.js. */
    @Test
    void keras3ActivationsAreNotWrittenAsKeras2s(@TempDir Path dir) throws Exception {
        for (String layer : new String[] {
            "{'class_name': 'Dense', 'config': {'name': 'd', 'units': 2, 'activation': 'hard_tanh'}}",
            "{'class_name': 'Activation', 'config': {'name': 'a', 'activation': 'squareplus'}}",
            "{'class_name': 'TimeDistributed', 'config': {'name': 'td', 'layer': {'class_name': 'Dense', 'config':"
                + " {'name': 'd', 'units': 2, 'activation': 'log_sigmoid'}}}}"}) {
            writtenAsKeras3Only(dir, layer, layer.contains("TimeDistributed") ? "[null, 2, 3]" : "[null, 3]",
                    "which Keras 2 does not have");
        }
    }

    /** Keras 3's depthwise and separable convolutions take strides with dilation; Keras 2's files could not hold them. */
    @Test
    void keras3StridesWithDilationAreNotWrittenAsKeras2s(@TempDir Path dir) throws Exception {
        for (String layer : new String[] {
            "{'class_name': 'DepthwiseConv2D', 'config': {'name': 'd', 'kernel_size': 3, 'strides': 2, 'dilation_rate': 2}}",
            "{'class_name': 'SeparableConv1D', 'config': {'name': 's', 'filters': 2, 'kernel_size': 2, 'strides': [2],"
                + " 'dilation_rate': [2], 'padding': 'same'}}"}) {
            writtenAsKeras3Only(dir, layer, layer.contains("1D") ? "[null, 9, 2]" : "[null, 9, 9, 2]",
                    "Keras 2 refuses them");
        }
    }

    /**
     * A Sequential of {@code layer} read under Keras 3's rules: refused for .h5 and TF.js with
     * {@code why}, nothing written; written as .keras and read back.
     */
    private static void writtenAsKeras3Only(Path dir, String layer, String shape, String why) throws Exception {
        String config = "{'class_name': 'Sequential', 'config': {'name': 'm', 'layers': [{'class_name': 'InputLayer',"
                + " 'config': {'batch_input_shape': " + shape + ", 'name': 'x'}}, " + layer + "]}}";
        try (Model m = ModelConfigs.build(JSON.readTree(config.replace('\'', '"')),
                (path, l, expected) -> l.getWeights(), KerasVersion.KERAS_3)) {
            for (String file : new String[] {"m.h5", "tfjs"}) {
                Path to = dir.resolve(file);
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, to), config);
                assertTrue(e.getMessage().contains(why), e.getMessage());
                assertFalse(Files.exists(to), "nothing written");
            }
            Models.save(m, dir.resolve("m.keras"));
            try (Model again = Models.load(dir.resolve("m.keras"))) {
                assertTrue(again.allLayers().size() > 0);
            }
        }
    }

    /**
     * What Keras 3 cannot load is not written as .keras: its ThresholdedReLU is gone (its ReLU's
     * threshold keeps x == theta), and only its Conv1D takes causal padding. Keras 3 reads the rest
     * of kdnn's .keras as Keras writes it: SpatialDropout without the keys its constructor refuses,
     * ConvNeXt's LayerScale under keras.applications' module (each checked with Keras 3.15.1 itself).
     */
    @Test
    void whatKeras3CannotLoadIsNotWrittenAsKeras3s(@TempDir Path dir) throws Exception {
        String[][] refused = {
            {"[null, 4, 2]", "{'class_name': 'ThresholdedReLU', 'config': {'name': 't', 'theta': 0.5}}", "ThresholdedReLU"},
            {"[null, 8, 2]", "{'class_name': 'SeparableConv1D', 'config': {'name': 's', 'filters': 2, 'kernel_size': 3,"
                + " 'padding': 'causal'}}", "causal"}};
        for (String[] c : refused) {
            String config = "{'class_name': 'Sequential', 'config': {'name': 'm', 'layers': [{'class_name': 'InputLayer',"
                    + " 'config': {'batch_input_shape': " + c[0] + ", 'name': 'x'}}, " + c[1] + "]}}";
            try (Model m = ModelConfigs.build(JSON.readTree(config.replace('\'', '"')),
                    (path, layer, expected) -> layer.getWeights())) {
                Path keras = dir.resolve("m.keras");
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, keras), config);
                assertTrue(e.getMessage().contains(c[2]), e.getMessage());
                assertFalse(Files.exists(keras), "nothing written");
                Models.save(m, dir.resolve("m.h5"));
            }
        }
        String config = "{'class_name': 'Sequential', 'config': {'name': 'm', 'layers': [{'class_name': 'InputLayer',"
                + " 'config': {'batch_input_shape': [null, 4, 4, 3], 'name': 'x'}}, {'class_name': 'SpatialDropout2D',"
                + " 'config': {'name': 'sd', 'rate': 0.2}}]}}";
        try (Model m = ModelConfigs.build(JSON.readTree(config.replace('\'', '"')), (path, layer, expected) -> layer.getWeights())) {
            Models.save(m, dir.resolve("sd.keras"));
            JsonNode written;
            try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("sd.keras").toFile())) {
                written = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
            }
            for (JsonNode l : written.path("config").path("layers")) {
                if (l.path("class_name").asText().equals("SpatialDropout2D")) {
                    assertFalse(l.path("config").has("trainable") || l.path("config").has("noise_shape"), l.toString());
                }
            }
        }
    }
}
