package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Weight;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** The golden models load and match Keras; saves read back unchanged; bad files are refused whole. */
class ModelFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Path> modelDirs() throws IOException {
        try (Stream<Path> s = Files.list(TestData.models())) {
            return s.filter(p -> Files.isRegularFile(p.resolve("model.json"))).sorted().toList();
        }
    }

    private static void assertMatchesExpected(kdnn.model.Model model, Path expectedFile) throws IOException {
        JsonNode e = JSON.readTree(expectedFile.toFile());
        long[] inShape = longs(e.at("/input/shape"));
        float[] in = floats(e.at("/input/data"));
        float[] want = floats(e.at("/output/data"));
        double atol = e.path("atol").asDouble(1e-4);
        double rtol = e.path("rtol").asDouble(1e-4);
        try (Tensor x = Tensor.of(in, inShape); Tensor y = model.predict(x)) {
            assertArrayEquals(longs(e.at("/output/shape")), y.shape());
            float[] got = y.toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertTrue(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]),
                        "value " + i + ": " + got[i] + " vs Keras " + want[i]);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everySharedModelMatchesItsExpectedOutput() throws IOException {
        List<Path> dirs = modelDirs();
        assertFalse(dirs.isEmpty(), "no models in " + TestData.models());
        return dirs.stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> {
            try (kdnn.model.Model m = ModelFiles.load(d)) {
                assertTrue(m.summary().contains("Total params: "));
                assertMatchesExpected(m, d.resolve("expected.json"));
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> saveThenLoadGivesTheSameModel(@TempDir Path tmp) throws IOException {
        return modelDirs().stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> {
            Path out = tmp.resolve(d.getFileName());
            try (kdnn.model.Model a = ModelFiles.load(d)) {
                ModelFiles.save(a, out);
                try (kdnn.model.Model b = ModelFiles.load(out)) {
                    assertEquals(a.summary(), b.summary());
                    for (int i = 0; i < a.layers().size(); i++) {
                        assertEquals(a.layers().get(i).getConfig(), b.layers().get(i).getConfig());
                        assertEquals(a.layers().get(i).getWeights(), b.layers().get(i).getWeights());
                    }
                    assertMatchesExpected(b, d.resolve("expected.json"));
                    Path again = tmp.resolve(d.getFileName() + "_again");
                    ModelFiles.save(b, again);
                    assertEquals(ModelFiles.readModelJson(out), ModelFiles.readModelJson(again));
                    assertArrayEquals(Files.readAllBytes(out.resolve("weights.bin")),
                            Files.readAllBytes(again.resolve("weights.bin")));
                }
            }
        }));
    }

    @Test
    void bareKerasConfigWithWeightsInGetWeightsOrder(@TempDir Path tmp) throws IOException {
        for (Path d : modelDirs()) {
            List<float[]> weights = new ArrayList<>();
            Path saved = tmp.resolve(d.getFileName());
            try (kdnn.model.Model a = ModelFiles.load(d)) {
                for (Layer l : a.layers()) l.getWeights().forEach(w -> weights.add(w.values()));
                // kdnn writes Keras' full config (TensorFlow.js omits e.g. depth_multiplier)
                ModelFiles.save(a, saved);
            }
            JsonNode root = ModelFiles.readModelJson(saved);
            try (kdnn.model.Model b = ModelFiles.fromKerasJson(root.get("modelTopology").toString(), weights)) {
                assertMatchesExpected(b, d.resolve("expected.json"));
            }
            List<float[]> fewer = weights.subList(0, weights.size() - 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelFiles.fromKerasJson(root.get("modelTopology").toString(), fewer));
            assertTrue(e.getMessage().contains("only " + fewer.size()), e.getMessage());
        }
    }

    @Test
    void kerasToJsonWithAnInputLayerAndModuleKeys() {
        // the form tf.keras 2.13 writes: an InputLayer first, "module"/"registered_name" beside class names
        String json = """
                {"class_name": "Sequential", "config": {"name": "seq", "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null,
                   "config": {"batch_input_shape": [null, 6, 6, 2], "dtype": "float32", "sparse": false,
                              "ragged": false, "name": "input_1"}},
                  {"module": "keras.layers", "class_name": "Conv2D", "registered_name": null,
                   "config": {"name": "conv2d", "trainable": true, "dtype": "float32", "filters": 3,
                              "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                              "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                              "activation": "relu", "use_bias": true,
                              "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                                     "config": {"seed": null}, "registered_name": null},
                              "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                                                   "config": {}, "registered_name": null},
                              "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
                              "kernel_constraint": null, "bias_constraint": null}},
                  {"module": "keras.layers", "class_name": "UpSampling2D", "registered_name": null,
                   "config": {"name": "up", "trainable": true, "dtype": "float32", "size": [2, 2],
                              "data_format": "channels_last", "interpolation": "nearest"}}]},
                 "keras_version": "2.13.1", "backend": "tensorflow"}
                """;
        float[] kernel = new float[3 * 3 * 2 * 3];
        kernel[4 * 6] = 1f; // centre tap: output channel 0 = input channel 0
        try (kdnn.model.Model m = ModelFiles.fromKerasJson(json, List.of(kernel, new float[3]));
             Tensor x = Tensor.of(floatsUpTo(72), 1L, 6, 6, 2); Tensor y = m.predict(x)) {
            assertArrayEquals(new long[] {1, 12, 12, 3}, y.shape());
            // y[0, 1, 2, 0] = x[0, 0, 1, 0] (centre tap, then nearest upsampling by 2) = 2
            assertEquals(2f, y.toFloatArray()[(1 * 12 + 2) * 3]);
            assertEquals(List.of("conv2d", "up"), m.layers().stream().map(Layer::name).toList());
        }
    }

    private static float[] floatsUpTo(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    /** A copy of a shared model folder to break. */
    private static Path copy(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        for (String f : List.of("model.json", "weights.bin")) {
            Files.copy(src.resolve(f), dst.resolve(f));
        }
        return dst;
    }

    private static String refusal(Path dir) {
        Exception e = assertThrows(Exception.class, () -> ModelFiles.load(dir).close());
        assertTrue(e instanceof IllegalArgumentException || e instanceof IOException, e.toString());
        return e.getMessage();
    }

    @Test
    void refusesBrokenModelFiles(@TempDir Path tmp) throws IOException {
        Path src = modelDirs().get(0);
        JsonNode root = JSON.readTree(src.resolve("model.json").toFile());
        String firstLayer = root.at("/modelTopology/config/layers/0/config/name").asText();

        Path shortBin = copy(src, tmp.resolve("short"));
        byte[] bin = Files.readAllBytes(shortBin.resolve("weights.bin"));
        Files.write(shortBin.resolve("weights.bin"), java.util.Arrays.copyOf(bin, bin.length - 7));
        assertTrue(refusal(shortBin).contains("cut short"));

        Path missing = copy(src, tmp.resolve("missing"));
        Files.delete(missing.resolve("weights.bin"));
        assertTrue(refusal(missing).contains("missing"));

        Path unknownClass = copy(src, tmp.resolve("unknown_class"));
        ObjectNode r1 = root.deepCopy();
        ((ObjectNode) r1.at("/modelTopology/config/layers/0")).put("class_name", "ConvLSTM2D");
        JSON.writeValue(unknownClass.resolve("model.json").toFile(), r1);
        String m1 = refusal(unknownClass);
        assertTrue(m1.contains("ConvLSTM2D") && m1.contains(firstLayer), m1);

        Path unknownArg = copy(src, tmp.resolve("unknown_arg"));
        ObjectNode r2 = root.deepCopy();
        ((ObjectNode) r2.at("/modelTopology/config/layers/0/config")).put("kernel_sise", 3);
        JSON.writeValue(unknownArg.resolve("model.json").toFile(), r2);
        String m2 = refusal(unknownArg);
        assertTrue(m2.contains("kernel_sise") && m2.contains(firstLayer), m2);

        Path dtype = copy(src, tmp.resolve("dtype"));
        ObjectNode r3 = root.deepCopy();
        ((ObjectNode) r3.at("/weightsManifest/0/weights/0")).put("dtype", "float16");
        JSON.writeValue(dtype.resolve("model.json").toFile(), r3);
        assertTrue(refusal(dtype).contains("float16"));

        Path huge = copy(src, tmp.resolve("huge"));
        ObjectNode r4 = root.deepCopy();
        var shape = ((ObjectNode) r4.at("/weightsManifest/0/weights/0")).putArray("shape");
        shape.add(2147483647).add(2147483647).add(2147483647);
        JSON.writeValue(huge.resolve("model.json").toFile(), r4);
        assertTrue(refusal(huge).contains("too large"));

        Path noChain = copy(src, tmp.resolve("no_chain"));
        ObjectNode r5 = root.deepCopy();
        var bis = ((ObjectNode) r5.at("/modelTopology/config/layers/0/config")).putArray("batch_input_shape");
        bis.addNull().add(2);
        JSON.writeValue(noChain.resolve("model.json").toFile(), r5);
        String m5 = refusal(noChain);
        assertTrue(m5.contains(firstLayer), m5);

        Path notJson = copy(src, tmp.resolve("not_json"));
        Files.writeString(notJson.resolve("model.json"), "{\"modelTopology\": ");
        assertTrue(refusal(notJson).contains("not valid JSON"));
    }

    @Test
    void weightsOfAModelAreKerasShaped() throws IOException {
        try (kdnn.model.Model m = ModelFiles.load(modelDirs().get(0))) {
            for (Layer l : m.layers()) {
                for (Weight w : l.getWeights()) {
                    assertTrue(w.shape().length >= 1);
                }
            }
            assertTrue(m.countParams() > 0);
        }
    }

    static long[] longs(JsonNode a) {
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asLong();
        return r;
    }

    static float[] floats(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = (float) a.get(i).asDouble();
        return r;
    }
}
