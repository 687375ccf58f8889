package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keras.applications' {@code preprocess_input} called on a model's input tensor, as tf.keras and
 * Keras 3 save it: the "tf" mode ({@code x / 127.5 - 1}, MobileNet, Inception, Xception) and the
 * "torch" mode ({@code x / 255}, the ImageNet mean added with {@code bias_add}, each channel divided
 * by its standard deviation; DenseNet). The divisions are exact float32 divisions; the models
 * predict bitwise what the convolution computes on the input preprocessed in Java, and keep their
 * operations through .h5 (TFOpLambda) and .keras (Keras 3 operations).
 */
class PreprocessingOpsFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    private static String functional(String layers, String output) {
        return ("{'class_name': 'Functional', 'config': {'name': 'pre', 'layers': [" + layers + "],"
                + " 'input_layers': [['input_1', 0, 0]], 'output_layers': [['" + output + "', 0, 0]]},"
                + " 'keras_version': '2.12.0', 'backend': 'tensorflow'}").replace('\'', '"');
    }

    private static final String INPUT = """
            {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 8, 8, 3], 'dtype': 'float32', 'name': 'input_1'},
             'name': 'input_1', 'inbound_nodes': []},
            """;

    private static String conv(String from) {
        return """
                {'class_name': 'Conv2D', 'config': {'name': 'conv', 'filters': 4, 'kernel_size': [3, 3], 'padding': 'same',
                 'activation': 'relu', 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 3}},
                 'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 4, 'mean': 0.0, 'stddev': 0.5}}},
                 'name': 'conv', 'inbound_nodes': [[['%s', 0, 0, {}]]]}
                """.formatted(from);
    }

    private static String lambda(String name, String function, String from, String kwargs) {
        return TfKerasOps.lambda(name, function, from, kwargs) + ",";
    }

    /** tf.keras' "tf" mode: {@code x /= 127.5; x -= 1.}. */
    private static final String TF_MODE = functional(INPUT
            + lambda("tf.math.truediv", "math.truediv", "input_1", "{'y': 127.5, 'name': null}")
            + lambda("tf.math.subtract", "math.subtract", "tf.math.truediv", "{'y': 1.0, 'name': null}")
            + conv("tf.math.subtract"), "conv");

    /** tf.keras' "torch" mode: {@code x /= 255.}, {@code bias_add(x, -mean)}, {@code x /= std}. */
    private static final String TORCH_MODE = functional(INPUT
            + lambda("tf.math.truediv", "math.truediv", "input_1", "{'y': 255.0, 'name': null}")
            + lambda("tf.nn.bias_add", "nn.bias_add", "tf.math.truediv",
                    "{'bias': [-0.48500001430511475, -0.4560000002384186, -0.4059999883174896], 'data_format': 'NHWC', 'name': null}")
            + lambda("tf.math.truediv_1", "math.truediv", "tf.nn.bias_add",
                    "{'y': [0.2290000021457672, 0.2240000069141388, 0.22499999403953552], 'name': null}")
            + conv("tf.math.truediv_1"), "conv");

    /** tf.keras' "caffe" mode (ResNet50, VGG16): {@code x[..., ::-1]} (RGB to BGR), then {@code bias_add(x, -mean)}. */
    private static final String CAFFE_MODE = functional(INPUT
            + "{'class_name': 'SlicingOpLambda', 'config': {'name': 'tf.__operators__.getitem', 'trainable': true,"
            + " 'dtype': 'float32', 'function': '__operators__.getitem'}, 'name': 'tf.__operators__.getitem',"
            + " 'inbound_nodes': [['input_1', 0, 0, {'slice_spec': [{'class_name': '__ellipsis__'},"
            + " {'start': null, 'stop': null, 'step': -1}]}]]},"
            + lambda("tf.nn.bias_add", "nn.bias_add", "tf.__operators__.getitem",
                    "{'bias': [-103.93900299072266, -116.77899932861328, -123.68000030517578], 'data_format': 'NHWC',"
                    + " 'name': null}")
            + conv("tf.nn.bias_add"), "conv");

    private static final String CONV_ONLY = functional(INPUT + conv("input_1"), "conv");

    private static float[] image() {
        float[] x = new float[2 * 8 * 8 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (i * 97 + 13) % 256;
        return x;
    }

    private static float[] tfMode(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] / 127.5f - 1f;
        return out;
    }

    private static float[] torchMode(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (x[i] / 255f + -MEAN[i % 3]) / STD[i % 3];
        return out;
    }

    private static float[] caffeMode(float[] x) {
        float[] bgrMean = {103.939f, 116.779f, 123.68f};
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i % 3;
            out[i] = x[i - c + 2 - c] + -bgrMean[c];
        }
        return out;
    }

    private static void assertBitwise(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), what + ": value " + i);
        }
    }

    /** The convolution's weights (its seeded initializers), as a .h5 both configs read. */
    private static Path weights(Path dir) throws Exception {
        Path weights = dir.resolve("weights.h5");
        try (Model m = ModelConfigs.build(JSON.readTree(CONV_ONLY), (path, layer, expected) -> layer.getWeights())) {
            Models.save(m, weights);
        }
        return weights;
    }

    @Test
    void tfTorchAndCaffeModesPredictTheConvolutionOfTheInputPreprocessedInFloat32(@TempDir Path dir) throws Exception {
        Path weights = weights(dir);
        float[] x = image();
        String[] configs = {TF_MODE, TORCH_MODE, CAFFE_MODE};
        float[][] preprocessed = {tfMode(x), torchMode(x), caffeMode(x)};
        Path convOnly = Files.writeString(dir.resolve("conv.json"), CONV_ONLY);
        for (int k = 0; k < configs.length; k++) {
            Path config = Files.writeString(dir.resolve("m" + k + ".json"), configs[k]);
            try (Model conv = Models.load(convOnly, weights);
                 Model m = Models.load(config, weights); Tensor in = Tensor.of(x, 2, 8, 8, 3);
                 Tensor pre = Tensor.of(preprocessed[k], 2, 8, 8, 3); Tensor want = conv.predict(pre); Tensor got = m.predict(in)) {
                assertBitwise(want.toFloatArray(), got.toFloatArray(), "mode " + k);
                float[] g = got.toFloatArray();
                assertTrue(g[0] > 0 || g[5] > 0 || g[17] > 0 || g[100] > 0, "the model computes something");
                // kept as the operations they were, through both Keras file formats
                for (String file : new String[] {"back.h5", "back.keras"}) {
                    Path back = dir.resolve(k + file);
                    Models.save(m, back);
                    try (Model again = Models.load(back); Tensor y = again.predict(in)) {
                        assertBitwise(want.toFloatArray(), y.toFloatArray(), "mode " + k + " through " + file);
                    }
                }
                Path tfjsDir = dir.resolve("tfjs" + k);
                var tfjs = assertThrows(IllegalArgumentException.class, () -> Models.save(m, tfjsDir));
                assertTrue(tfjs.getMessage().contains("has no TF.js form"), tfjs.getMessage());
            }
        }
    }

    @Test
    void writtenAsTfOpLambdaInH5AndAsTheKeras3OperationInKeras(@TempDir Path dir) throws Exception {
        Path weights = weights(dir);
        Path config = Files.writeString(dir.resolve("tf.json"), TF_MODE);
        try (Model m = Models.load(config, weights)) {
            Models.save(m, dir.resolve("back.h5"));
            Models.save(m, dir.resolve("back.keras"));
        }
        JsonNode h5;
        try (Hdf5 file = Hdf5.open(Files.readAllBytes(dir.resolve("back.h5")), "back.h5")) {
            h5 = JSON.readTree(file.string(file.root(), "model_config"));
        }
        JsonNode division = layer(h5, "tf.math.truediv");
        assertEquals("TFOpLambda", division.get("class_name").asText());
        assertEquals("math.truediv", division.get("config").get("function").asText());
        assertEquals(JSON.readTree("[['input_1', 0, 0, {'y': 127.5, 'name': null}]]".replace('\'', '"')),
                division.get("inbound_nodes"));
        JsonNode keras;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("back.keras").toFile())) {
            keras = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
        }
        JsonNode op = layer(keras, "tf.math.truediv");
        assertEquals("keras.src.ops.numpy", op.get("module").asText());
        assertEquals("TrueDivide", op.get("class_name").asText());
        JsonNode args = op.get("inbound_nodes").get(0).get("args");
        assertEquals("__keras_tensor__", args.get(0).get("class_name").asText());
        assertEquals(127.5, args.get(1).asDouble());
        assertTrue(!op.has("build_config"), "an operation is not built");

        // x[..., ::-1]: tf.keras' SlicingOpLambda, Keras 3's GetItem with the key as its second argument
        Path caffe = Files.writeString(dir.resolve("caffe.json"), CAFFE_MODE);
        try (Model m = Models.load(caffe, weights)) {
            Models.save(m, dir.resolve("caffe.h5"));
            Models.save(m, dir.resolve("caffe.keras"));
        }
        try (Hdf5 file = Hdf5.open(Files.readAllBytes(dir.resolve("caffe.h5")), "caffe.h5")) {
            JsonNode slicing = layer(JSON.readTree(file.string(file.root(), "model_config")), "tf.__operators__.getitem");
            assertEquals("SlicingOpLambda", slicing.get("class_name").asText());
            assertEquals(JSON.readTree(("[['input_1', 0, 0, {'slice_spec': [{'class_name': '__ellipsis__'},"
                    + " {'start': null, 'stop': null, 'step': -1}]}]]").replace('\'', '"')), slicing.get("inbound_nodes"));
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("caffe.keras").toFile())) {
            JsonNode getItem = layer(JSON.readTree(zip.getInputStream(zip.getEntry("config.json"))), "tf.__operators__.getitem");
            assertEquals("GetItem", getItem.get("class_name").asText());
            assertEquals(JSON.readTree(("[{'class_name': '__ellipsis__', 'config': {}}, {'class_name': '__slice__',"
                    + " 'config': {'start': null, 'stop': null, 'step': -1}}]").replace('\'', '"')),
                    getItem.get("inbound_nodes").get(0).get("args").get(1));
        }
    }

    private static JsonNode layer(JsonNode model, String name) {
        for (JsonNode l : model.get("config").get("layers")) {
            if (l.get("name").asText().equals(name)) return l;
        }
        throw new AssertionError("no layer " + name + " in " + model);
    }

    /**
     * Keras 3's own form of the torch mode: {@code x / 255}, {@code x + mean_tensor}, {@code x / std_tensor},
     * the constants written as a tensor and a NumPy array ({@code __tensor__}, {@code __numpy__}).
     */
    @Test
    void keras3TensorAndNumpyConstantsReadAsTheirValues(@TempDir Path dir) throws Exception {
        String mean = "{'class_name': '__tensor__', 'config': {'value': [-0.485, -0.456, -0.406], 'dtype': 'float32'}}";
        String std = "{'class_name': '__numpy__', 'config': {'value': [0.229, 0.224, 0.225], 'dtype': 'float32'}}";
        String model = Keras3Ops.model("[null, 4, 3]", "out", List.of(
                Keras3Ops.Op.of("scaled", "numpy", "TrueDivide", Keras3Ops.tensor("x") + ", 255.0"),
                Keras3Ops.Op.of("centred", "numpy", "Add", Keras3Ops.tensor("scaled") + ", " + mean),
                Keras3Ops.Op.of("out", "numpy", "TrueDivide", Keras3Ops.tensor("centred") + ", " + std)));
        Path p = Files.writeString(dir.resolve("ops.json"), model);
        float[] x = new float[2 * 4 * 3];
        for (int i = 0; i < x.length; i++) x[i] = i * 11 % 256;
        try (Model m = Models.load(p); Tensor in = Tensor.of(x, 2, 4, 3); Tensor y = m.predict(in)) {
            assertBitwise(torchMode(x), y.toFloatArray(), "Keras 3 torch mode");
        }
        Path doubles = Files.writeString(dir.resolve("f64.json"), model.replace("'dtype': 'float32'}}".replace('\'', '"')
                + "]", "'dtype': 'float64'}}".replace('\'', '"') + "]"));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(doubles).close());
        assertTrue(e.getMessage().contains("constant of dtype \"float64\""), e.getMessage());
    }

    /**
     * Keras 3's caffe mode ({@code ops.stack([x[..., i] for i in (2, 1, 0)], axis=-1)}, then
     * {@code x += mean_tensor} reshaped to (1, 1, 1, 3)): three GetItem, a Stack and an Add of a
     * tensor constant; bitwise the BGR image minus the mean, and so again through .keras and .h5.
     */
    @Test
    void keras3CaffeModeStacksTheChannelsBackwardsAndAddsTheMean(@TempDir Path dir) throws Exception {
        String ellipsis = "{'class_name': '__ellipsis__', 'config': {}}";
        String mean = "{'class_name': '__tensor__', 'config': {'value': [[[[-103.939, -116.779, -123.68]]]], 'dtype': 'float32'}}";
        String model = Keras3Ops.model("[null, 4, 5, 3]", "add", List.of(
                Keras3Ops.Op.of("get_item", "numpy", "GetItem", Keras3Ops.tensor("x") + ", [" + ellipsis + ", 2]"),
                Keras3Ops.Op.of("get_item_1", "numpy", "GetItem", Keras3Ops.tensor("x") + ", [" + ellipsis + ", 1]"),
                Keras3Ops.Op.of("get_item_2", "numpy", "GetItem", Keras3Ops.tensor("x") + ", [" + ellipsis + ", 0]"),
                new Keras3Ops.Op("stack", "numpy", "Stack", "{'name': 'stack', 'axis': -1}", "[" + Keras3Ops.tensor("get_item")
                        + ", " + Keras3Ops.tensor("get_item_1") + ", " + Keras3Ops.tensor("get_item_2") + "]"),
                Keras3Ops.Op.of("add", "numpy", "Add", Keras3Ops.tensor("stack") + ", " + mean)));
        Path p = Files.writeString(dir.resolve("caffe3.json"), model);
        float[] x = new float[2 * 4 * 5 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (i * 53) % 256;
        try (Model m = Models.load(p); Tensor in = Tensor.of(x, 2, 4, 5, 3); Tensor y = m.predict(in)) {
            assertBitwise(caffeMode(x), y.toFloatArray(), "Keras 3 caffe mode");
            assertEquals("Stack", m.layer("stack").className());
            for (String file : new String[] {"caffe3.keras", "caffe3.h5"}) {
                Models.save(m, dir.resolve(file));
                try (Model again = Models.load(dir.resolve(file)); Tensor y2 = again.predict(in)) {
                    assertBitwise(caffeMode(x), y2.toFloatArray(), "Keras 3 caffe mode through " + file);
                }
            }
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("caffe3.keras").toFile())) {
            JsonNode stack = layer(JSON.readTree(zip.getInputStream(zip.getEntry("config.json"))), "stack");
            assertEquals(-1, stack.get("config").get("axis").asInt());
            JsonNode args = stack.get("inbound_nodes").get(0).get("args");
            assertEquals(1, args.size(), "one argument, the list");
            assertEquals(3, args.get(0).size());
        }
        String concatenate = model.replace("\"Stack\"", "\"Concatenate\"").replace(", \"axis\": -1}", "}");
        Path defaultAxis = Files.writeString(dir.resolve("concat.json"), concatenate);
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(defaultAxis).close());
        assertTrue(e.getMessage().contains("along the batch axis (axis=0)"), e.getMessage());
    }

    /**
     * A tensor divided by a tensor (here by its mean over the steps, broadcast): tf.keras' TFOpLambda
     * with {@code y} a tensor, Keras 3's TrueDivide of two tensors; bitwise {@code x / mean}, and the
     * same through .h5 and .keras.
     */
    @Test
    void aTensorDividedByATensorBroadcast(@TempDir Path dir) throws Exception {
        String tfKeras = TfKerasOps.model(TfKerasOps.input("[null, 4, 3]") + ", {'class_name': 'GlobalAveragePooling1D',"
                + " 'config': {'name': 'mean', 'keepdims': true}, 'name': 'mean', 'inbound_nodes': [[['x', 0, 0, {}]]]}, "
                + TfKerasOps.lambda("out", "math.truediv", "x", "{'y': ['mean', 0, 0], 'name': null}"), "%s");
        String keras3 = Keras3Ops.model("[null, 4, 3]", "out", List.of(
                new Keras3Ops.Op("mean", "numpy", "Mean", "{'name': 'mean', 'axis': [1], 'keepdims': true}",
                        Keras3Ops.tensor("x")),
                Keras3Ops.Op.of("out", "numpy", "TrueDivide", Keras3Ops.tensor("x") + ", " + Keras3Ops.tensor("mean"))));
        float[] x = new float[2 * 4 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 1.3) * 5;
        x[4] = 0;
        float[] means;
        try (Model m = Models.load(Files.writeString(dir.resolve("mean.json"), tfKeras.formatted("mean")));
             Tensor in = Tensor.of(x, 2, 4, 3); Tensor y = m.predict(in)) {
            means = y.toFloatArray();
        }
        float[] want = new float[x.length];
        for (int i = 0; i < x.length; i++) want[i] = x[i] / means[(i / 12) * 3 + i % 3];
        for (String config : new String[] {tfKeras.formatted("out"), keras3}) {
            try (Model m = Models.load(Files.writeString(dir.resolve("ratio.json"), config));
                 Tensor in = Tensor.of(x, 2, 4, 3); Tensor y = m.predict(in)) {
                assertBitwise(want, y.toFloatArray(), "x / mean");
                assertEquals("TrueDivide", m.layer("out").className());
                for (String file : new String[] {"ratio.h5", "ratio.keras"}) {
                    Models.save(m, dir.resolve(file));
                    try (Model again = Models.load(dir.resolve(file)); Tensor y2 = again.predict(in)) {
                        assertBitwise(want, y2.toFloatArray(), "x / mean through " + file);
                    }
                }
            }
        }
        try (Hdf5 file = Hdf5.open(Files.readAllBytes(dir.resolve("ratio.h5")), "ratio.h5")) {
            JsonNode out = layer(JSON.readTree(file.string(file.root(), "model_config")), "out");
            assertEquals("TFOpLambda", out.get("class_name").asText());
            assertEquals(JSON.readTree("[['x', 0, 0, {'y': ['mean', 0, 0], 'name': null}]]".replace('\'', '"')),
                    out.get("inbound_nodes"));
        }
    }

    /**
     * A uint8 image input, read by a Rescaling (which casts it, as Keras' does) or cast to float32
     * first (tf.cast): the same values as the float32 image through the same layers, and a value a
     * uint8 cannot hold refused at predict, naming it.
     */
    @Test
    void uint8ImagesThroughRescalingOrACast(@TempDir Path dir) throws Exception {
        Path weights = weights(dir);
        String rescaling = "{'class_name': 'Rescaling', 'config': {'name': 'scale', 'scale': 0.00392156862745098, 'offset':"
                + " 0.0}, 'name': 'scale', 'inbound_nodes': [[['%s', 0, 0, {}]]]},";
        String uint8 = INPUT.replace("'dtype': 'float32'", "'dtype': 'uint8'");
        String[] configs = {
            functional(uint8 + rescaling.formatted("input_1") + conv("scale"), "conv"),
            functional(uint8 + lambda("tf.cast", "cast", "input_1", "{'dtype': 'float32', 'name': null}")
                    + rescaling.formatted("tf.cast") + conv("scale"), "conv")};
        String floats = functional(INPUT + rescaling.formatted("input_1") + conv("scale"), "conv");
        float[] x = image();
        try (Model reference = Models.load(Files.writeString(dir.resolve("f.json"), floats), weights);
             Tensor in = Tensor.of(x, 2, 8, 8, 3); Tensor want = reference.predict(in)) {
            for (String config : configs) {
                try (Model m = Models.load(Files.writeString(dir.resolve("u8.json"), config), weights);
                     Tensor y = m.predict(in)) {
                    assertBitwise(want.toFloatArray(), y.toFloatArray(), "uint8 input");
                    for (float bad : new float[] {256, -1, 1.5f, Float.NaN}) {
                        float[] v = x.clone();
                        v[9] = bad;
                        try (Tensor wrong = Tensor.of(v, 2, 8, 8, 3)) {
                            var e = assertThrows(IllegalArgumentException.class, () -> m.predict(wrong).close());
                            assertTrue(e.getMessage().contains("input \"input_1\" is uint8: its value " + bad
                                    + " at position 9 is not a whole number in [0, 255]"), e.getMessage());
                        }
                    }
                }
            }
        }
        String direct = functional(uint8 + conv("input_1"), "conv");
        var e = assertThrows(IllegalArgumentException.class,
                () -> Models.load(Files.writeString(dir.resolve("d.json"), direct), weights).close());
        assertTrue(e.getMessage().contains("holds uint8 values, which only an Embedding, a CategoryEncoding, a Rescaling"), e.getMessage());
    }

    /** A division is written as one operation per call, in a functional model: other forms are refused before writing. */
    @Test
    void aDivisionCalledTwiceOrInASequentialIsRefusedBeforeWriting(@TempDir Path dir) throws Exception {
        String twice = functional(INPUT + """
                {'class_name': 'TrueDivide', 'config': {'name': 'div', 'y': 3.0}, 'name': 'div',
                 'inbound_nodes': [[['input_1', 0, 0, {}]], [['div', 0, 0, {}]]]}
                """, "div").replace("[[\"div\", 0, 0]]}", "[[\"div\", 1, 0]]}");
        try (Model m = ModelConfigs.build(JSON.readTree(twice), (path, layer, expected) -> layer.getWeights())) {
            var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("twice.h5")));
            assertTrue(e.getMessage().contains("is called 2 times"), e.getMessage());
            assertTrue(!Files.exists(dir.resolve("twice.h5")), "nothing written");
        }
        try (kdnn.layers.Layer div = kdnn.layers.TrueDivide.builder().name("div").divisor(3.0).build();
             kdnn.model.Sequential s = kdnn.model.Sequential.of("s", java.util.List.of(div), -1, 4)) {
            var e = assertThrows(IllegalArgumentException.class, () -> Models.save(s, dir.resolve("s.keras")));
            assertTrue(e.getMessage().contains("is in a Sequential model"), e.getMessage());
        }
    }
}
