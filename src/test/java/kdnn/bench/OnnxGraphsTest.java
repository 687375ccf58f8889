package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import kdnn.io.ModelReader;
import kdnn.io.Models;
import kdnn.model.Model;
import kdnn.Tensor;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The benchmark's ONNX export of the shared models (their Keras 2 configs, Sequential or
 * functional, with the weights of their `.h5` files), run by ONNX Runtime on the cases' inputs,
 * gives the outputs the independent Keras implementation computed. A model the export cannot
 * write is refused naming what, never with another exception.
 */
class OnnxGraphsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The shared models the export must write: every layer they hold has an ONNX form. */
    private static final Set<String> EXPORTED = Set.of("audio_1d", "cnn_classifier", "mobilenet_v2_tiny", "resnet_tiny",
            "unet_skips", "wavenet_gated");

    @TestFactory
    Stream<DynamicTest> sharedModelsRunInOnnxRuntimeAsKerasComputedThem() throws Exception {
        Path shared = Path.of(System.getProperty("kdnn.shared", "../shared"));
        assumeTrue(Files.isDirectory(shared.resolve("models")), "shared models not found under " + shared.toAbsolutePath());
        List<Path> dirs = new ArrayList<>();
        for (String sub : List.of("models", "functional-models")) {
            try (Stream<Path> s = Files.list(shared.resolve(sub))) {
                s.filter(d -> Files.isRegularFile(d.resolve("model.h5"))).sorted().forEach(dirs::add);
            }
        }
        assertTrue(dirs.stream().map(d -> d.getFileName().toString()).toList().containsAll(EXPORTED), dirs.toString());
        // each model twice: its Keras 2 config from the .h5, and Keras 3's own config.json in the .keras
        return dirs.stream().flatMap(dir -> Stream.of("model.h5", "model.keras").map(file -> DynamicTest.dynamicTest(
                dir.getFileName() + "/" + file, () -> {
            JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
            JsonNode config = file.endsWith(".h5") ? ModelReader.read(dir.resolve(file)).modelConfig()
                    : kerasConfigJson(dir.resolve(file));
            try (Model model = Models.load(dir.resolve(file))) {
                if (!expected.has("input")) { // several inputs: the export's graph has one
                    var e = assertThrows(UnsupportedOperationException.class, () -> OnnxGraphs.model(config, model,
                            model.inputShapes().get(0)));
                    assertTrue(e.getMessage().startsWith("no ONNX export for a model of "), e.getMessage());
                    return;
                }
                long[] shape = ModelBench.longs(expected.at("/input/shape"));
                byte[] onnx;
                try {
                    onnx = OnnxGraphs.model(config, model, shape);
                } catch (UnsupportedOperationException e) {
                    assertFalse(EXPORTED.contains(dir.getFileName().toString()), e.getMessage());
                    assertTrue(e.getMessage().startsWith("no ONNX export for "), e.getMessage());
                    return;
                }
                long[] outShape = ModelBench.longs(expected.at("/output/shape"));
                float[] want = ModelBench.floats(expected.at("/output/data"));
                long[] onnxOut = outShape.length > 2 ? OnnxModels.toChannelsFirst(outShape) : outShape;
                float[] x = ModelBench.floats(expected.at("/input/data"));
                try (OrtGraphPeer peer = new OrtGraphPeer(onnx, OnnxModels.toChannelsFirst(shape), onnxOut, 1);
                     OrtGraphPeer.Request request = peer.new Request(OnnxModels.nhwcToNchw(x, shape))) {
                    request.run();
                    float[] y = request.output();
                    float[] got = outShape.length > 2 ? OnnxModels.nchwToNhwc(y, outShape) : y;
                    assertArrayEquals(outShape, model.outputShape(shape));
                    double atol = expected.path("atol").asDouble(1e-4);
                    double rtol = expected.path("rtol").asDouble(1e-4);
                    for (int i = 0; i < want.length; i++) {
                        assertTrue(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]),
                                "value " + i + ": ONNX Runtime " + got[i] + ", Keras " + want[i]);
                    }
                }
            }
        })));
    }

    /** The config.json of a Keras 3 {@code .keras} file, as Keras wrote it. */
    private static JsonNode kerasConfigJson(Path file) throws java.io.IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            try (var in = zip.getInputStream(zip.getEntry("config.json"))) {
                return JSON.readTree(in);
            }
        }
    }

    /** What the shared models lack: bilinear upsampling, a Cropping1D, a SeparableConv1D and a Sequential config without an InputLayer. */
    @Test
    void bilinearUpsamplingAndOneDimensionalLayersMatchKdnn() throws Exception {
        String image = """
                {"class_name": "Sequential", "config": {"name": "up", "layers": [
                 {"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": [3, 3], "padding": "same",
                  "activation": "relu", "batch_input_shape": [null, 7, 5, 3]}},
                 {"class_name": "UpSampling2D", "config": {"name": "u", "size": [2, 3], "interpolation": "bilinear"}},
                 {"class_name": "Cropping2D", "config": {"name": "k", "cropping": [[1, 0], [2, 1]]}}]}}""";
        String sequence = """
                {"class_name": "Sequential", "config": {"name": "seq", "layers": [
                 {"class_name": "SeparableConv1D", "config": {"name": "s", "filters": 5, "kernel_size": 3, "depth_multiplier": 2,
                  "padding": "causal", "dilation_rate": 2, "activation": "tanh", "batch_input_shape": [null, 11, 3]}},
                 {"class_name": "Cropping1D", "config": {"name": "k", "cropping": [2, 1]}}]}}""";
        for (String config : List.of(image, sequence)) {
            JsonNode json = ArchitectureBench.seeded(JSON.readTree(config), 3);
            try (Model model = ModelConfigs.build(json, ArchitectureBench.seededWeights(3))) {
                long[] shape = model.inputShape();
                shape[0] = 2;
                float[] x = new float[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
                java.util.SplittableRandom r = new java.util.SplittableRandom(5);
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
                long[] outShape = model.outputShape(shape);
                float[] want;
                try (Tensor in = Tensor.of(x, shape); Tensor y = model.predict(in)) {
                    want = y.toFloatArray();
                }
                byte[] onnx = OnnxGraphs.model(json, model, shape);
                try (OrtGraphPeer peer = new OrtGraphPeer(onnx, OnnxModels.toChannelsFirst(shape),
                        OnnxModels.toChannelsFirst(outShape), 1);
                     OrtGraphPeer.Request request = peer.new Request(OnnxModels.nhwcToNchw(x, shape))) {
                    request.run();
                    float[] got = OnnxModels.nchwToNhwc(request.output(), outShape);
                    for (int i = 0; i < want.length; i++) {
                        assertTrue(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-5 * Math.abs(want[i]),
                                json.at("/config/name").asText() + " value " + i + ": ONNX Runtime " + got[i] + ", kdnn " + want[i]);
                    }
                }
            }
        }
    }
}
