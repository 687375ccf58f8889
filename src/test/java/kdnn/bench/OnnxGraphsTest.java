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

    /**
     * What the shared models lack: bilinear upsampling, a 'same' average pooling, a Cropping1D, a SeparableConv1D, a Sequential
     * config without an InputLayer, and EfficientNet's input scaling and squeeze-and-excitation
     * (Rescaling and Normalization per channel, swish, a Reshape to (1, 1, C), a broadcast Multiply).
     */
    @Test
    void bilinearUpsamplingOneDimensionalLayersAndExcitationMatchKdnn() throws Exception {
        String image = """
                {"class_name": "Sequential", "config": {"name": "up", "layers": [
                 {"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": [3, 3], "padding": "same",
                  "activation": "relu", "batch_input_shape": [null, 7, 5, 3]}},
                 {"class_name": "UpSampling2D", "config": {"name": "u", "size": [2, 3], "interpolation": "bilinear"}},
                 {"class_name": "Cropping2D", "config": {"name": "k", "cropping": [[1, 0], [2, 1]]}},
                 {"class_name": "AveragePooling2D", "config": {"name": "avg", "pool_size": [2, 3], "padding": "same"}}]}}""";
        String sequence = """
                {"class_name": "Sequential", "config": {"name": "seq", "layers": [
                 {"class_name": "SeparableConv1D", "config": {"name": "s", "filters": 5, "kernel_size": 3, "depth_multiplier": 2,
                  "padding": "causal", "dilation_rate": 2, "activation": "tanh", "batch_input_shape": [null, 11, 3]}},
                 {"class_name": "Cropping1D", "config": {"name": "k", "cropping": [2, 1]}}]}}""";
        String excitation = """
                {"class_name": "Functional", "config": {"name": "se", "layers": [
                 {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 6, 5, 3], "name": "x"}, "name": "x",
                  "inbound_nodes": []},
                 {"class_name": "Rescaling", "config": {"name": "r", "scale": [0.5, 1.0, 2.0], "offset": 0.25}, "name": "r",
                  "inbound_nodes": [[["x", 0, 0, {}]]]},
                 {"class_name": "Normalization", "config": {"name": "n", "axis": [3], "mean": null, "variance": null},
                  "name": "n", "inbound_nodes": [[["r", 0, 0, {}]]]},
                 {"class_name": "DepthwiseConv2D", "config": {"name": "d", "kernel_size": [3, 3], "padding": "same",
                  "use_bias": false, "activation": "swish"}, "name": "d", "inbound_nodes": [[["n", 0, 0, {}]]]},
                 {"class_name": "GlobalAveragePooling2D", "config": {"name": "q"}, "name": "q", "inbound_nodes": [[["d", 0, 0, {}]]]},
                 {"class_name": "Reshape", "config": {"name": "s", "target_shape": [1, 1, 3]}, "name": "s",
                  "inbound_nodes": [[["q", 0, 0, {}]]]},
                 {"class_name": "Conv2D", "config": {"name": "reduce", "filters": 2, "kernel_size": [1, 1], "activation": "swish"},
                  "name": "reduce", "inbound_nodes": [[["s", 0, 0, {}]]]},
                 {"class_name": "Conv2D", "config": {"name": "expand", "filters": 3, "kernel_size": [1, 1], "activation": "sigmoid"},
                  "name": "expand", "inbound_nodes": [[["reduce", 0, 0, {}]]]},
                 {"class_name": "Multiply", "config": {"name": "m"}, "name": "m", "inbound_nodes": [[["d", 0, 0, {}], ["expand", 0, 0, {}]]]},
                 {"class_name": "Conv2D", "config": {"name": "p", "filters": 4, "kernel_size": [1, 1], "use_bias": false},
                  "name": "p", "inbound_nodes": [[["m", 0, 0, {}]]]},
                 {"class_name": "Dropout", "config": {"name": "o", "rate": 0.1, "noise_shape": [null, 1, 1, 1]}, "name": "o",
                  "inbound_nodes": [[["p", 0, 0, {}]]]},
                 {"class_name": "Activation", "config": {"name": "a", "activation": "swish"}, "name": "a",
                  "inbound_nodes": [[["o", 0, 0, {}]]]}],
                 "input_layers": [["x", 0, 0]], "output_layers": [["a", 0, 0]]}}""";
        for (String config : List.of(image, sequence, excitation)) {
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

    /**
     * ConvNeXt's pieces as tf.keras writes them: a nested Sequential (its call saved as node 1),
     * LayerNormalization and Dense on a map's channels, gelu, LayerScale, the residual sum as a
     * TFOpLambda, and LayerNormalization on pooled rows.
     */
    @Test
    void convNeXtPiecesMatchKdnn() throws Exception {
        String config = """
                {"class_name": "Functional", "config": {"name": "cnx", "layers": [
                 {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 6, 3], "name": "x"}, "name": "x",
                  "inbound_nodes": []},
                 {"class_name": "Normalization", "config": {"name": "pre", "axis": [3], "mean": [120, 110, 100],
                  "variance": [3000, 2500, 2000]}, "name": "pre", "inbound_nodes": [[["x", 0, 0, {}]]]},
                 {"class_name": "Sequential", "config": {"name": "stem", "layers": [
                   {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 6, 3], "name": "stem_input"}},
                   {"class_name": "Conv2D", "config": {"name": "stem_conv", "filters": 8, "kernel_size": [2, 2], "strides": [2, 2]}},
                   {"class_name": "LayerNormalization", "config": {"name": "stem_ln", "axis": [3], "epsilon": 1e-6}}]},
                  "name": "stem", "inbound_nodes": [[["pre", 0, 0, {}]]]},
                 {"class_name": "Conv2D", "config": {"name": "dw", "filters": 8, "kernel_size": [7, 7], "padding": "same",
                  "groups": 8}, "name": "dw", "inbound_nodes": [[["stem", 1, 0, {}]]]},
                 {"class_name": "LayerNormalization", "config": {"name": "ln", "axis": [3], "epsilon": 1e-6}, "name": "ln",
                  "inbound_nodes": [[["dw", 0, 0, {}]]]},
                 {"class_name": "Dense", "config": {"name": "pw1", "units": 32}, "name": "pw1", "inbound_nodes": [[["ln", 0, 0, {}]]]},
                 {"class_name": "Activation", "config": {"name": "g", "activation": "gelu"}, "name": "g",
                  "inbound_nodes": [[["pw1", 0, 0, {}]]]},
                 {"class_name": "Dense", "config": {"name": "pw2", "units": 8}, "name": "pw2", "inbound_nodes": [[["g", 0, 0, {}]]]},
                 {"class_name": "LayerScale", "config": {"name": "ls", "init_values": 0.5, "projection_dim": 8}, "name": "ls",
                  "inbound_nodes": [[["pw2", 0, 0, {}]]]},
                 {"class_name": "TFOpLambda", "config": {"name": "tf.__operators__.add", "function": "__operators__.add"},
                  "name": "tf.__operators__.add", "inbound_nodes": [["stem", 1, 0, {"y": ["ls", 0, 0], "name": null}]]},
                 {"class_name": "GlobalAveragePooling2D", "config": {"name": "gap"}, "name": "gap",
                  "inbound_nodes": [[["tf.__operators__.add", 0, 0, {}]]]},
                 {"class_name": "LayerNormalization", "config": {"name": "head_ln", "axis": [1], "epsilon": 1e-6},
                  "name": "head_ln", "inbound_nodes": [[["gap", 0, 0, {}]]]},
                 {"class_name": "Dense", "config": {"name": "head", "units": 5, "activation": "softmax"}, "name": "head",
                  "inbound_nodes": [[["head_ln", 0, 0, {}]]]}],
                 "input_layers": [["x", 0, 0]], "output_layers": [["head", 0, 0]]}}""";
        assertOnnxRuntimeMatchesKdnn(config, 5, 0, 255);
    }

    /**
     * The seeded model of {@code config} on a (2, 8, 6, 3) input of values in [low, high) (seed 7),
     * exported and run by ONNX Runtime: its (2, 5) output within 1e-5 of kdnn's.
     */
    private static void assertOnnxRuntimeMatchesKdnn(String config, long seed, double low, double high) throws Exception {
        JsonNode json = ArchitectureBench.seeded(JSON.readTree(config), seed);
        try (Model model = ArchitectureBench.build(json, ArchitectureBench.seededWeights(seed))) {
            long[] shape = {2, 8, 6, 3};
            float[] x = new float[2 * 8 * 6 * 3];
            java.util.SplittableRandom r = new java.util.SplittableRandom(7);
            for (int i = 0; i < x.length; i++) x[i] = (float) (low + r.nextDouble() * (high - low));
            float[] want;
            try (Tensor in = Tensor.of(x, shape); Tensor y = model.predict(in)) {
                want = y.toFloatArray();
            }
            long[] outShape = model.outputShape(shape);
            assertArrayEquals(new long[] {2, 5}, outShape);
            try (OrtGraphPeer peer = new OrtGraphPeer(OnnxGraphs.model(json, model, shape), OnnxModels.toChannelsFirst(shape),
                    outShape, 1);
                 OrtGraphPeer.Request request = peer.new Request(OnnxModels.nhwcToNchw(x, shape))) {
                request.run();
                float[] got = request.output();
                for (int i = 0; i < want.length; i++) {
                    assertTrue(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-5 * Math.abs(want[i]),
                            "value " + i + ": ONNX Runtime " + got[i] + ", kdnn " + want[i]);
                }
            }
        }
    }

    /**
     * MobileNetV3's pieces as tf.keras writes them: hard swish and hard sigmoid with TFOpLambda
     * {@code x + 3.0} and {@code * (1.0 / 6.0)}, a squeeze-and-excitation pooled with keepdims,
     * convolutions on the pooled 1x1 map and a Flatten of it.
     */
    @Test
    void mobileNetV3PiecesMatchKdnn() throws Exception {
        String config = """
                {"class_name": "Functional", "config": {"name": "mnv3", "layers": [
                 {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 6, 3], "name": "x"}, "name": "x",
                  "inbound_nodes": []},
                 {"class_name": "Conv2D", "config": {"name": "conv", "filters": 8, "kernel_size": [3, 3], "padding": "same"},
                  "name": "conv", "inbound_nodes": [[["x", 0, 0, {}]]]},
                 {"class_name": "TFOpLambda", "config": {"name": "tf.__operators__.add", "function": "__operators__.add"},
                  "name": "tf.__operators__.add", "inbound_nodes": [["conv", 0, 0, {"y": 3.0, "name": null}]]},
                 {"class_name": "ReLU", "config": {"name": "re_lu", "max_value": 6.0}, "name": "re_lu",
                  "inbound_nodes": [[["tf.__operators__.add", 0, 0, {}]]]},
                 {"class_name": "TFOpLambda", "config": {"name": "tf.math.multiply", "function": "math.multiply"},
                  "name": "tf.math.multiply", "inbound_nodes": [["re_lu", 0, 0, {"y": 0.16666666666666666, "name": null}]]},
                 {"class_name": "Multiply", "config": {"name": "multiply"}, "name": "multiply",
                  "inbound_nodes": [[["conv", 0, 0, {}], ["tf.math.multiply", 0, 0, {}]]]},
                 {"class_name": "GlobalAveragePooling2D", "config": {"name": "pool", "keepdims": true}, "name": "pool",
                  "inbound_nodes": [[["multiply", 0, 0, {}]]]},
                 {"class_name": "Conv2D", "config": {"name": "se", "filters": 8, "kernel_size": [1, 1], "use_bias": true},
                  "name": "se", "inbound_nodes": [[["pool", 0, 0, {}]]]},
                 {"class_name": "TFOpLambda", "config": {"name": "tf.__operators__.add_1", "function": "__operators__.add"},
                  "name": "tf.__operators__.add_1", "inbound_nodes": [["se", 0, 0, {"y": 3.0, "name": null}]]},
                 {"class_name": "ReLU", "config": {"name": "re_lu_1", "max_value": 6.0}, "name": "re_lu_1",
                  "inbound_nodes": [[["tf.__operators__.add_1", 0, 0, {}]]]},
                 {"class_name": "TFOpLambda", "config": {"name": "tf.math.multiply_1", "function": "math.multiply"},
                  "name": "tf.math.multiply_1", "inbound_nodes": [["re_lu_1", 0, 0, {"y": 0.16666666666666666, "name": null}]]},
                 {"class_name": "Multiply", "config": {"name": "excite"}, "name": "excite",
                  "inbound_nodes": [[["multiply", 0, 0, {}], ["tf.math.multiply_1", 0, 0, {}]]]},
                 {"class_name": "GlobalAveragePooling2D", "config": {"name": "top", "keepdims": true}, "name": "top",
                  "inbound_nodes": [[["excite", 0, 0, {}]]]},
                 {"class_name": "Conv2D", "config": {"name": "logits", "filters": 5, "kernel_size": [1, 1]}, "name": "logits",
                  "inbound_nodes": [[["top", 0, 0, {}]]]},
                 {"class_name": "Flatten", "config": {"name": "flatten"}, "name": "flatten",
                  "inbound_nodes": [[["logits", 0, 0, {}]]]}],
                 "input_layers": [["x", 0, 0]], "output_layers": [["flatten", 0, 0]]}}""";
        assertOnnxRuntimeMatchesKdnn(config, 9, -4, 4);
    }
}
