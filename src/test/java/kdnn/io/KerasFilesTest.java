package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import kdnn.layers.Weight;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Files Keras itself wrote (../shared/keras-files): every one reads, with real values checked. */
class KerasFilesTest {
    @TestFactory
    Stream<DynamicTest> keras231FullModelWeightsOnlyAndBareConfigAgree() throws IOException {
        Path dir = SharedFiles.dir("keras-files/keras-2.3.1-conv1d");
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("_model.h5"))
                    .map(n -> n.substring(0, n.length() - "_model.h5".length())).sorted().toList();
        }
        assertEquals(48, names.size());
        return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            ModelSource full = ModelReader.read(dir.resolve(name + "_model.h5"));
            ModelSource split = ModelReader.read(dir.resolve(name + "_config.json"), dir.resolve(name + "_weights.h5"));
            ModelSource bare = ModelReader.read(dir.resolve(name + "_config.json"));
            assertEquals("keras2-h5", full.format());
            assertEquals("2.3.1", full.kerasVersion());
            assertEquals("keras-json", split.format());
            assertEquals(2, split.kerasMajor());
            GoldenFormatsTest.assertSameWeights(full.weights(), split.weights(), name, true);
            assertEquals(List.of(), ConfigEquivalence.differences(full.modelConfig(), split.modelConfig()));
            assertEquals(full.modelConfig(), bare.modelConfig());
            assertTrue(bare.weights().isEmpty());
            assertEquals(1, full.weights().size(), full.weights().keySet().toString());
            List<Weight> conv = full.weights().values().iterator().next();
            assertEquals(List.of("kernel", "bias"), conv.stream().map(Weight::name).toList());
            assertEquals(1, WeightShapes.check(full));
            for (float b : conv.get(1).values()) assertEquals(0f, b, "untrained biases are zero");
            boolean nonzero = false;
            for (float k : conv.get(0).values()) nonzero |= k != 0;
            assertTrue(nonzero, "the kernel holds values");
        }));
    }

    @TestFactory
    Stream<DynamicTest> keras3KerasZipAndLegacyH5GiveTheSameModel() throws IOException {
        return SharedFiles.modelFolders("keras-files/keras-3.15.1").stream().map(dir ->
                DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    ModelSource zip = ModelReader.read(dir.resolve("model.keras"));
                    ModelSource h5 = ModelReader.read(dir.resolve("model.h5"));
                    assertEquals("keras3-zip", zip.format());
                    assertEquals("keras3-h5", h5.format());
                    assertEquals("3.15.1", h5.kerasVersion());
                    assertEquals(3, h5.kerasMajor());
                    assertFalse(zip.weights().isEmpty());
                    // Keras 3 names the weights the same in both files (DepthwiseConv2D's is "kernel")
                    GoldenFormatsTest.assertSameWeights(zip.weights(), h5.weights(), dir.getFileName().toString(), true);
                    assertEquals(zip.modelConfig(), h5.modelConfig());
                    assertTrue(WeightShapes.check(zip) > 0);
                    assertKeras2Form(zip.modelConfig());
                }));
    }

    @TestFactory
    Stream<DynamicTest> keras2FilesOfOtherVersionsRead() throws IOException {
        return SharedFiles.modelFolders("keras-files/keras-2.x").stream().map(dir ->
                DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    ModelSource s = ModelReader.read(dir.resolve("model.h5"));
                    assertEquals("keras2-h5", s.format());
                    assertEquals(2, s.kerasMajor());
                    assertFalse(s.weights().isEmpty());
                    assertTrue(WeightShapes.check(s) > 0, "some layer's weights were checked against its config");
                    assertKeras2Form(s.modelConfig());
                }));
    }

    @Test
    void keras21SequentialWrittenAsAListBecomesAnObject() throws IOException {
        ModelSource s = ModelReader.read(SharedFiles.dir("keras-files/keras-2.x/cnn_batch_norm").resolve("model.h5"));
        assertEquals("2.1.3", s.kerasVersion());
        JsonNode c = s.modelConfig();
        assertEquals("Sequential", c.get("class_name").asText());
        assertTrue(c.get("config").isObject());
        List<String> classes = new java.util.ArrayList<>();
        for (JsonNode l : c.get("config").get("layers")) classes.add(l.get("class_name").asText());
        assertEquals(List.of("Conv2D", "BatchNormalization", "Activation", "Conv2D", "Flatten", "Dense"), classes);
        assertEquals("sequential", c.get("config").get("name").asText());
        assertEquals(List.of("gamma", "beta", "moving_mean", "moving_variance"),
                s.weights().values().stream().filter(w -> w.size() == 4).findFirst().orElseThrow().stream()
                        .map(Weight::name).toList());
    }

    @Test
    void keras224FunctionalStaysAsWritten() throws IOException {
        ModelSource s = ModelReader.read(SharedFiles.dir("keras-files/keras-2.x/tfkeras_batchNormError2").resolve("model.h5"));
        JsonNode c = s.modelConfig();
        assertEquals("Model", c.get("class_name").asText(), "Keras 2.2's name for a functional model is kept");
        JsonNode layers = c.get("config").get("layers");
        assertEquals("InputLayer", layers.get(0).get("class_name").asText());
        assertEquals("[[[\"input_9\",0,0,{}]]]", layers.get(1).get("inbound_nodes").toString());
        assertEquals(-1, layers.get(2).get("config").get("axis").asInt());
        assertEquals(List.of("gamma", "beta", "moving_mean", "moving_variance"),
                s.weights().get("batch_normalization_8").stream().map(Weight::name).toList());
    }

    /** No Keras 3 metadata left anywhere, dtypes are names, InputLayers carry batch_input_shape. */
    static void assertKeras2Form(JsonNode config) {
        assertTrue(config.findValues("module").isEmpty(), "module left");
        assertTrue(config.findValues("registered_name").isEmpty(), "registered_name left");
        assertTrue(config.findValues("build_config").isEmpty(), "build_config left");
        assertTrue(config.findValues("batch_shape").isEmpty(), "batch_shape left");
        for (JsonNode d : config.findValues("dtype")) assertTrue(d.isTextual(), "dtype " + d);
        for (JsonNode nodes : config.findValues("inbound_nodes")) {
            for (JsonNode call : nodes) assertTrue(call.isArray(), "inbound node " + call);
        }
    }
}
