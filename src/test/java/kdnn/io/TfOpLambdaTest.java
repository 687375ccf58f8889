package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tf.keras' TFOpLambda layers, written as tf.keras 2.x writes them (the call's other arguments
 * beside its first tensor), load as the Keras layers that compute the same: a MobileNetV3-style
 * block (hard sigmoid as {@code relu6(x + 3) * (1 / 6)}, hard swish, a squeeze-and-excitation
 * with {@code reduce_mean} and a tensor product, {@code 1 - x} with a constant first argument)
 * predicts bitwise what the same model written with Keras layers predicts, with the same weights.
 */
class TfOpLambdaTest {
    private static String functional(String layers) {
        return ("{'class_name': 'Functional', 'config': {'name': 'block', 'layers': [" + layers + "],"
                + " 'input_layers': [['input_1', 0, 0]], 'output_layers': [['out', 0, 0]]},"
                + " 'keras_version': '2.9.0', 'backend': 'tensorflow'}").replace('\'', '"');
    }

    private static final String INPUT_AND_CONV = """
            {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 6, 6, 3], 'dtype': 'float32', 'name': 'input_1'},
             'name': 'input_1', 'inbound_nodes': []},
            {'class_name': 'Conv2D', 'config': {'name': 'conv', 'filters': 4, 'kernel_size': [3, 3], 'padding': 'same',
             'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 3}},
             'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 4, 'mean': 0.0, 'stddev': 1.0}}},
             'name': 'conv', 'inbound_nodes': [[['input_1', 0, 0, {}]]]},
            {'class_name': 'Conv2D', 'config': {'name': 'se', 'filters': 4, 'kernel_size': [1, 1], 'activation': 'sigmoid',
             'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 5}}},
             'name': 'se', 'inbound_nodes': [[['tf.math.reduce_mean', 0, 0, {}]]]},
            """;

    /** The block with Keras layers only. */
    private static final String KERAS_LAYERS = functional(INPUT_AND_CONV + """
            {'class_name': 'Rescaling', 'config': {'name': 'tf.__operators__.add', 'scale': 1.0, 'offset': 3.0},
             'name': 'tf.__operators__.add', 'inbound_nodes': [[['conv', 0, 0, {}]]]},
            {'class_name': 'ReLU', 'config': {'name': 're_lu', 'max_value': 6.0},
             'name': 're_lu', 'inbound_nodes': [[['tf.__operators__.add', 0, 0, {}]]]},
            {'class_name': 'Rescaling', 'config': {'name': 'tf.math.multiply', 'scale': 0.16666666666666666, 'offset': -0.0},
             'name': 'tf.math.multiply', 'inbound_nodes': [[['re_lu', 0, 0, {}]]]},
            {'class_name': 'Multiply', 'config': {'name': 'multiply'},
             'name': 'multiply', 'inbound_nodes': [[['conv', 0, 0, {}], ['tf.math.multiply', 0, 0, {}]]]},
            {'class_name': 'GlobalAveragePooling2D', 'config': {'name': 'tf.math.reduce_mean', 'keepdims': true},
             'name': 'tf.math.reduce_mean', 'inbound_nodes': [[['multiply', 0, 0, {}]]]},
            {'class_name': 'Multiply', 'config': {'name': 'tf.math.multiply_1'},
             'name': 'tf.math.multiply_1', 'inbound_nodes': [[['multiply', 0, 0, {}], ['se', 0, 0, {}]]]},
            {'class_name': 'Activation', 'config': {'name': 'tf.nn.relu6', 'activation': 'linear'},
             'name': 'tf.nn.relu6', 'inbound_nodes': [[['tf.math.multiply_1', 0, 0, {}]]]},
            {'class_name': 'ReLU', 'config': {'name': 'relu6', 'max_value': 6.0},
             'name': 'relu6', 'inbound_nodes': [[['tf.nn.relu6', 0, 0, {}]]]},
            {'class_name': 'Rescaling', 'config': {'name': 'out', 'scale': -1.0, 'offset': 1.0},
             'name': 'out', 'inbound_nodes': [[['relu6', 0, 0, {}]]]}
            """);

    /** The same block as tf.keras writes it, with TFOpLambda layers. */
    private static final String TF_OP_LAMBDAS = functional(INPUT_AND_CONV + """
            {'class_name': 'TFOpLambda', 'config': {'name': 'tf.__operators__.add', 'trainable': true, 'dtype': 'float32',
             'function': '__operators__.add'},
             'name': 'tf.__operators__.add', 'inbound_nodes': [['conv', 0, 0, {'y': 3.0, 'name': null}]]},
            {'class_name': 'ReLU', 'config': {'name': 're_lu', 'max_value': 6.0},
             'name': 're_lu', 'inbound_nodes': [[['tf.__operators__.add', 0, 0, {}]]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'tf.math.multiply', 'trainable': true, 'dtype': 'float32',
             'function': 'math.multiply'},
             'name': 'tf.math.multiply', 'inbound_nodes': [['re_lu', 0, 0, {'y': 0.16666666666666666, 'name': null}]]},
            {'class_name': 'Multiply', 'config': {'name': 'multiply'},
             'name': 'multiply', 'inbound_nodes': [[['conv', 0, 0, {}], ['tf.math.multiply', 0, 0, {}]]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'tf.math.reduce_mean', 'trainable': true, 'dtype': 'float32',
             'function': 'math.reduce_mean'},
             'name': 'tf.math.reduce_mean', 'inbound_nodes': [['multiply', 0, 0, {'axis': [1, 2], 'keepdims': true,
             'name': null}]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'tf.math.multiply_1', 'trainable': true, 'dtype': 'float32',
             'function': 'math.multiply'},
             'name': 'tf.math.multiply_1', 'inbound_nodes': [['multiply', 0, 0, {'y': ['se', 0, 0], 'name': null}]]},
            {'class_name': 'Activation', 'config': {'name': 'tf.nn.relu6', 'activation': 'linear'},
             'name': 'tf.nn.relu6', 'inbound_nodes': [[['tf.math.multiply_1', 0, 0, {}]]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'relu6', 'trainable': true, 'dtype': 'float32',
             'function': 'nn.relu6'},
             'name': 'relu6', 'inbound_nodes': [['tf.nn.relu6', 0, 0, {'name': null}]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'out', 'trainable': true, 'dtype': 'float32',
             'function': 'math.subtract'},
             'name': 'out', 'inbound_nodes': [['_CONSTANT_VALUE', -1, 1.0, {'y': ['relu6', 0, 0], 'name': null}]]}
            """);

    @Test
    void aMobileNetV3StyleBlockPredictsAsItsKerasLayers(@TempDir Path dir) throws Exception {
        Path kerasConfig = Files.writeString(dir.resolve("keras.json"), KERAS_LAYERS);
        Path lambdaConfig = Files.writeString(dir.resolve("lambdas.json"), TF_OP_LAMBDAS);
        // weights: the Keras-layer model's own (seeded initializers), saved as Keras does
        Path weights = dir.resolve("weights.h5");
        try (Model m = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind.ObjectMapper().readTree(KERAS_LAYERS),
                (path, layer, expected) -> layer.getWeights())) {
            Models.save(m, weights);
        }
        float[] x = new float[2 * 6 * 6 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37) * 4;
        try (Model keras = Models.load(kerasConfig, weights); Model lambdas = Models.load(lambdaConfig, weights);
             Tensor in = Tensor.of(x, 2, 6, 6, 3); Tensor want = keras.predict(in); Tensor got = lambdas.predict(in)) {
            assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f);
            assertEquals(keras.summary(), lambdas.summary());
            float[] y = got.toFloatArray();
            assertTrue(java.util.Arrays.stream(new int[] {0, 7, 100}).anyMatch(i -> y[i] != 1f), "the block computes something");
            // written back, it is a model of Keras layers
            Path back = dir.resolve("back.h5");
            Models.save(lambdas, back);
            try (Model again = Models.load(back); Tensor y2 = again.predict(in)) {
                assertArrayEquals(want.toFloatArray(), y2.toFloatArray(), 0f);
            }
        }
    }

    private static final String DECODER_BASE = """
            {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 4, 4, 3], 'dtype': 'float32', 'name': 'input_1'},
             'name': 'input_1', 'inbound_nodes': []},
            {'class_name': 'Conv2D', 'config': {'name': 'conv', 'filters': 2, 'kernel_size': [1, 1],
             'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 7}},
             'bias_initializer': {'class_name': 'RandomNormal', 'config': {'seed': 8, 'mean': 0.0, 'stddev': 1.0}}},
             'name': 'conv', 'inbound_nodes': [[['input_1', 0, 0, {}]]]},
            """;

    /** A decoder step with Keras layers: upsample to the skip's size, join, reshape, transpose, pool. */
    private static final String DECODER_KERAS = functional(DECODER_BASE + """
            {'class_name': 'Resizing', 'config': {'name': 'tf.image.resize', 'height': 8, 'width': 8, 'interpolation': 'lanczos3',
             'antialias': true},
             'name': 'tf.image.resize', 'inbound_nodes': [[['conv', 0, 0, {}]]]},
            {'class_name': 'Resizing', 'config': {'name': 'skip', 'height': 8, 'width': 8, 'interpolation': 'nearest'},
             'name': 'skip', 'inbound_nodes': [[['input_1', 0, 0, {}]]]},
            {'class_name': 'Concatenate', 'config': {'name': 'tf.concat', 'axis': -1},
             'name': 'tf.concat', 'inbound_nodes': [[['tf.image.resize', 0, 0, {}], ['skip', 0, 0, {}]]]},
            {'class_name': 'Reshape', 'config': {'name': 'tf.reshape', 'target_shape': [16, 4, 5]},
             'name': 'tf.reshape', 'inbound_nodes': [[['tf.concat', 0, 0, {}]]]},
            {'class_name': 'Permute', 'config': {'name': 'tf.compat.v1.transpose', 'dims': [2, 1, 3]},
             'name': 'tf.compat.v1.transpose', 'inbound_nodes': [[['tf.reshape', 0, 0, {}]]]},
            {'class_name': 'GlobalMaxPooling2D', 'config': {'name': 'out', 'keepdims': false},
             'name': 'out', 'inbound_nodes': [[['tf.compat.v1.transpose', 0, 0, {}]]]}
            """);

    /** The same step as tf.keras writes it. */
    private static final String DECODER_LAMBDAS = functional(DECODER_BASE + """
            {'class_name': 'TFOpLambda', 'config': {'name': 'tf.image.resize', 'trainable': true, 'dtype': 'float32',
             'function': 'image.resize'},
             'name': 'tf.image.resize', 'inbound_nodes': [['conv', 0, 0, {'size': [8, 8], 'method': 'lanczos3',
             'antialias': true, 'name': null}]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'skip', 'trainable': true, 'dtype': 'float32',
             'function': 'image.resize'},
             'name': 'skip', 'inbound_nodes': [['input_1', 0, 0, {'size': [8, 8], 'method': 'nearest', 'name': null}]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'tf.concat', 'trainable': true, 'dtype': 'float32',
             'function': 'concat'},
             'name': 'tf.concat', 'inbound_nodes': [[['tf.image.resize', 0, 0, {'axis': -1, 'name': null}],
             ['skip', 0, 0, {'axis': -1, 'name': null}]]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'tf.reshape', 'trainable': true, 'dtype': 'float32',
             'function': 'reshape'},
             'name': 'tf.reshape', 'inbound_nodes': [['tf.concat', 0, 0, {'shape': [-1, 16, 4, 5], 'name': null}]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'tf.compat.v1.transpose', 'trainable': true, 'dtype': 'float32',
             'function': 'compat.v1.transpose'},
             'name': 'tf.compat.v1.transpose', 'inbound_nodes': [['tf.reshape', 0, 0, {'perm': [0, 2, 1, 3], 'name': null}]]},
            {'class_name': 'TFOpLambda', 'config': {'name': 'out', 'trainable': true, 'dtype': 'float32',
             'function': 'math.reduce_max'},
             'name': 'out', 'inbound_nodes': [['tf.compat.v1.transpose', 0, 0, {'axis': [1, 2], 'name': null}]]}
            """);

    @Test
    void aDecoderStepWithResizeConcatReshapeTransposeAndMaxPredictsAsItsKerasLayers(@TempDir Path dir) throws Exception {
        Path weights = dir.resolve("weights.h5");
        try (Model m = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind.ObjectMapper().readTree(DECODER_KERAS),
                (path, layer, expected) -> layer.getWeights())) {
            Models.save(m, weights);
        }
        Path lambdaConfig = Files.writeString(dir.resolve("decoder.json"), DECODER_LAMBDAS);
        float[] x = new float[2 * 4 * 4 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.61) * 3;
        try (Model keras = Models.load(weights); Model lambdas = Models.load(lambdaConfig, weights);
             Tensor in = Tensor.of(x, 2, 4, 4, 3); Tensor want = keras.predict(in); Tensor got = lambdas.predict(in)) {
            assertArrayEquals(new long[] {2, 5}, got.shape());
            assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 0f);
        }
    }

    @Test
    void whatItDoesNotTranslateIsRefusedByName(@TempDir Path dir) throws Exception {
        Path weights = dir.resolve("weights.h5");
        try (Model m = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind.ObjectMapper().readTree(KERAS_LAYERS),
                (path, layer, expected) -> layer.getWeights())) {
            Models.save(m, weights);
        }
        String[][] cases = {
                {"'function': 'math.truediv'", "{'y': 'x', 'name': null}", "tf.math.truediv with operand y="},
                {"'function': 'nn.bias_add'", "{'bias': [1.0, 2.0], 'data_format': 'NCHW', 'name': null}", "data_format=\"NCHW\""},
                {"'function': 'math.lgamma'", "{'name': null}", "computes tf.math.lgamma, which kdnn"},
                {"'function': 'math.reciprocal_no_nan'", "{'name': null}", "reciprocal_no_nan with 0 for 1 / 0"},
                {"'function': 'math.reduce_mean'", "{'axis': null, 'name': null}", "axis=None"},
                {"'function': 'nn.gelu'", "{'approximate': true, 'name': null}", "approximate=True"}};
        for (String[] c : cases) {
            String config = TF_OP_LAMBDAS.replace("\"function\": \"__operators__.add\"", c[0].replace('\'', '"'))
                    .replace("{\"y\": 3.0, \"name\": null}", c[1].replace('\'', '"'));
            Path p = Files.writeString(dir.resolve("refused.json"), config);
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p, weights).close(), c[0]);
            assertTrue(e.getMessage().contains(c[2]) && e.getMessage().contains("tf.__operators__.add"), e.getMessage());
        }
    }

    /**
     * Every function kdnn translates, with each argument replaced by a value of any JSON kind: the
     * model loads, or the file is refused with an IllegalArgumentException; nothing else.
     */
    @Test
    void garbledArgumentsAreRefusedOrLoaded(@TempDir Path dir) throws Exception {
        Path weights = dir.resolve("weights.h5");
        try (Model m = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind.ObjectMapper().readTree(KERAS_LAYERS),
                (path, layer, expected) -> layer.getWeights())) {
            Models.save(m, weights);
        }
        String[] functions = {"__operators__.add", "math.subtract", "math.multiply", "math.truediv", "math.negative",
                "nn.relu6", "nn.leaky_relu", "nn.softmax", "nn.gelu", "math.reduce_mean", "math.reduce_max", "concat",
                "reshape", "transpose", "image.resize", "nn.relu", "nn.silu", "nn.bias_add",
                "__operators__.getitem", "pad", "reverse", "expand_dims", "math.l2_normalize", "stack", "squeeze", "math.sqrt",
                "math.log", "math.reciprocal"};
        String[] keys = {"y", "axis", "keepdims", "alpha", "approximate", "shape", "perm", "size", "method", "antialias",
                "bias", "data_format", "slice_spec", "paddings", "mode", "constant_values", "epsilon", "squeeze_dims"};
        String[] values = {"3.0", "-1", "0", "2147483647", "1e300", "'x'", "true", "null", "[]", "[1, 2]", "[-1, 4]",
                "[[1]]", "{'a': 1}", "['se', 0, 0]", "['nowhere', 0, 0]", "['_CONSTANT_VALUE', -1, 2.0]", "[0.5, 0.25, 2.0, 4.0]",
                "[0.0, -0.0, 3.0, 1e-40]", "'NHWC'", "'NCHW'",
                "[{'class_name': '__ellipsis__'}, {'start': null, 'stop': null, 'step': -1}]", "{'start': 1, 'stop': null, 'step': 2}",
                "[{'start': null, 'stop': null, 'step': null}, null, 0]", "{'class_name': '__ellipsis__'}",
                "[[0, 0], [1, 1], [1, 1], [0, 0]]", "[[0, 0], [1], [1, 1], [0, 0]]", "'CONSTANT'", "'REFLECT'"};
        java.util.SplittableRandom r = new java.util.SplittableRandom(17);
        for (int i = 0; i < 400; i++) {
            String f = functions[r.nextInt(functions.length)];
            String kwargs = "{'" + keys[r.nextInt(keys.length)] + "': " + values[r.nextInt(values.length)] + ", 'name': null}";
            String config = TF_OP_LAMBDAS.replace("\"function\": \"__operators__.add\"", "\"function\": \"" + f + "\"")
                    .replace("{\"y\": 3.0, \"name\": null}", kwargs.replace('\'', '"'));
            Path p = Files.writeString(dir.resolve("fuzz.json"), config);
            float[] x = new float[6 * 6 * 3];
            try (Model m = Models.load(p, weights); Tensor in = Tensor.of(x, 1, 6, 6, 3); Tensor y = m.predict(in)) {
                assertTrue(y.shape().length >= 1, f + " " + kwargs);
            } catch (IllegalArgumentException refused) {
                // refused, naming the problem
            } catch (RuntimeException | Error other) {
                throw new AssertionError(f + " with " + kwargs + " threw " + other, other);
            }
        }
    }

    /** {@code tf.expand_dims} as a new axis (GetItem), {@code tf.math.l2_normalize} as UnitNormalization (tf's epsilon). */
    @Test
    void expandDimsAndL2NormalizeReadAsANewAxisAndUnitNormalization(@TempDir Path dir) throws Exception {
        String layers = """
                {'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 2, 3], 'dtype': 'float32', 'name': 'input_1'},
                 'name': 'input_1', 'inbound_nodes': []},
                {'class_name': 'TFOpLambda', 'config': {'name': 'tf.expand_dims', 'trainable': true, 'dtype': 'float32',
                 'function': 'expand_dims'}, 'name': 'tf.expand_dims', 'inbound_nodes': [['input_1', 0, 0, {'axis': %s, 'name': null}]]},
                {'class_name': 'TFOpLambda', 'config': {'name': 'out', 'trainable': true, 'dtype': 'float32',
                 'function': 'math.l2_normalize'}, 'name': 'out', 'inbound_nodes': [['tf.expand_dims', 0, 0, {'axis': -1%s}]]}
                """;
        float[] x = {3, 4, 0, 1e-7f, 0, 0, -1, 2, 2, 0.5f, 0, 0};
        long[][] shapes = {{2, 1, 2, 3}, {2, 2, 3, 1}, {2, 2, 1, 3}, {2, 2, 3, 1}};
        int[] axes = {1, 3, -2, -1};
        for (int k = 0; k < axes.length; k++) {
            String config = functional(layers.formatted(axes[k], "")).replace("\"block\"", "\"l2\"");
            Path p = Files.writeString(dir.resolve("l2.json"), config);
            try (Model m = Models.load(p); Tensor in = Tensor.of(x, 2, 2, 3); Tensor y = m.predict(in);
                 kdnn.layers.Layer unit = kdnn.layers.Layers.fromConfig(new com.fasterxml.jackson.databind.ObjectMapper()
                         .readTree("{\"class_name\": \"UnitNormalization\", \"config\": {\"axis\": -1}}"));
                 Tensor reshaped = Tensor.of(x, shapes[k]); Tensor want = unit.call(reshaped)) {
                assertArrayEquals(shapes[k], y.shape(), "axis " + axes[k]);
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f, "axis " + axes[k]);
                assertEquals("UnitNormalization", m.layer("out").className());
            }
        }
        Path other = Files.writeString(dir.resolve("eps.json"), functional(layers.formatted(1, ", 'epsilon': 1e-6")));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(other).close());
        assertTrue(e.getMessage().contains("epsilon=1.0E-6"), e.getMessage());
        Path batch = Files.writeString(dir.resolve("batch.json"), functional(layers.formatted(0, "")));
        e = assertThrows(IllegalArgumentException.class, () -> Models.load(batch).close());
        assertTrue(e.getMessage().contains("axis=0"), e.getMessage());
    }

    /**
     * Keras 3 operations whose arguments are in their config (ops.mean, ops.max, ops.reshape,
     * ops.expand_dims, ops.transpose, ops.softmax, ops.leaky_relu): the same values as the Keras
     * layers of that meaning; ops.gelu's default, the tanh approximation, refused by name.
     */
    @Test
    void keras3OperationsWithConfiguredArgumentsReadAsTheirLayers(@TempDir Path dir) throws Exception {
        String model = Keras3Ops.model("[null, 4, 6, 3]", "out", List.of(
                new Keras3Ops.Op("leaky", "nn", "LeakyRelu", "{'name': 'leaky', 'negative_slope': 0.1}", Keras3Ops.tensor("x")),
                new Keras3Ops.Op("mean", "numpy", "Mean", "{'name': 'mean', 'axis': [1, 2], 'keepdims': true}",
                        Keras3Ops.tensor("leaky")),
                new Keras3Ops.Op("flat", "numpy", "Reshape", "{'name': 'flat', 'newshape': [-1, 3]}", Keras3Ops.tensor("mean")),
                new Keras3Ops.Op("row", "numpy", "ExpandDims", "{'name': 'row', 'axis': 1}", Keras3Ops.tensor("flat")),
                new Keras3Ops.Op("column", "numpy", "Transpose", "{'name': 'column', 'axes': [0, 2, 1]}", Keras3Ops.tensor("row")),
                new Keras3Ops.Op("out", "nn", "Softmax", "{'name': 'out', 'axis': 1}", Keras3Ops.tensor("column"))));
        String keras = ("{'class_name': 'Sequential', 'config': {'name': 'same', 'layers': ["
                + "{'class_name': 'LeakyReLU', 'config': {'alpha': 0.1, 'batch_input_shape': [null, 4, 6, 3]}},"
                + "{'class_name': 'GlobalAveragePooling2D', 'config': {'keepdims': true}},"
                + "{'class_name': 'Reshape', 'config': {'target_shape': [3]}},"
                + "{'class_name': 'Reshape', 'config': {'target_shape': [1, 3]}},"
                + "{'class_name': 'Permute', 'config': {'dims': [2, 1]}},"
                + "{'class_name': 'Softmax', 'config': {'axis': 1}}]}}").replace('\'', '"');
        Path ops3 = Files.writeString(dir.resolve("ops.json"), model);
        Path twin = Files.writeString(dir.resolve("twin.json"), keras);
        float[] x = new float[2 * 4 * 6 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.9) * 3;
        try (Model m = Models.load(ops3); Model k = Models.load(twin); Tensor in = Tensor.of(x, 2, 4, 6, 3);
             Tensor y = m.predict(in); Tensor want = k.predict(in)) {
            assertArrayEquals(new long[] {2, 3, 1}, y.shape());
            assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
        }
        Path gelu = Files.writeString(dir.resolve("gelu.json"), model.replace("\"LeakyRelu\"", "\"Gelu\"")
                .replace(", \"negative_slope\": 0.1", ""));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(gelu).close());
        assertTrue(e.getMessage().contains("approximate=True"), e.getMessage());
    }

    /**
     * Keras 3's activation operations (ops.celu, ops.hard_tanh, ops.sparsemax...) read as the
     * Activation layer of that name, bitwise; ops.elu with an alpha as the ELU layer; an argument
     * other than the name's default, or an axis other than the last, refused naming it.
     */
    @Test
    void keras3ActivationOperationsReadAsTheirActivations(@TempDir Path dir) throws Exception {
        String[][] ops = {{"Selu", "selu"}, {"LogSigmoid", "log_sigmoid"}, {"LogSoftmax", "log_softmax"},
            {"Celu", "celu"}, {"HardSigmoid", "hard_sigmoid"}, {"HardSilu", "hard_silu"}, {"HardTanh", "hard_tanh"},
            {"TanhShrink", "tanh_shrink"}, {"SparseSigmoid", "sparse_sigmoid"}, {"SparsePlus", "sparse_plus"},
            {"SoftShrink", "soft_shrink"}, {"HardShrink", "hard_shrink"}, {"Squareplus", "squareplus"},
            {"Sparsemax", "sparsemax"}, {"Elu", "elu"}};
        float[] x = new float[2 * 3 * 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.7) * 2.5f;
        for (String[] op : ops) {
            String model = Keras3Ops.model("[null, 3, 5]", "out", List.of(Keras3Ops.Op.of("out", "nn", op[0],
                    Keras3Ops.tensor("x"))));
            String twin = ("{'class_name': 'Sequential', 'config': {'name': 'same', 'layers': [{'class_name': 'Activation',"
                    + " 'config': {'activation': '" + op[1] + "', 'batch_input_shape': [null, 3, 5]}}]}}").replace('\'', '"');
            Path opsFile = Files.writeString(dir.resolve(op[0] + ".json"), model);
            // the twin read under Keras 3's definitions too (hard_sigmoid's)
            try (Model m = Models.load(opsFile); Model k = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind
                    .ObjectMapper().readTree(twin), (path, l, expected) -> l.getWeights(), kdnn.layers.KerasVersion.KERAS_3);
                 Tensor in = Tensor.of(x, 2, 3, 5); Tensor y = m.predict(in); Tensor want = k.predict(in)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f, op[0]);
            }
        }
        // ops.elu's alpha: the ELU layer's
        String elu = Keras3Ops.model("[null, 3, 5]", "out", List.of(new Keras3Ops.Op("out", "nn", "Elu",
                "{'name': 'out', 'alpha': 0.5}", Keras3Ops.tensor("x"))));
        try (Model m = Models.load(Files.writeString(dir.resolve("elu.json"), elu)); Tensor in = Tensor.of(x, 2, 3, 5);
             Tensor y = m.predict(in)) {
            float[] got = y.toFloatArray();
            for (int i = 0; i < x.length; i++) {
                float want = x[i] > 0 ? x[i] : (float) (0.5 * Math.expm1(x[i]));
                assertEquals(want, got[i], 1e-6f, "elu alpha 0.5 at " + x[i]);
            }
        }
        String[][] refused = {{"SoftShrink", "'threshold': 0.25", "threshold=0.25"}, {"Celu", "'alpha': 2.0", "alpha=2.0"},
            {"Squareplus", "'b': 1", "b=1"}, {"Sparsemax", "'axis': 1", "axis=1"}, {"LogSoftmax", "'axis': 0", "axis=0"}};
        for (String[] r : refused) {
            String model = Keras3Ops.model("[null, 3, 5]", "out", List.of(new Keras3Ops.Op("out", "nn", r[0],
                    "{'name': 'out', " + r[1] + "}", Keras3Ops.tensor("x"))));
            Path file = Files.writeString(dir.resolve(r[0] + "-refused.json"), model);
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(file).close());
            assertTrue(e.getMessage().contains(r[2]), e.getMessage());
        }
    }

    /** {@code tf.reverse} (tf.keras) and {@code ops.flip} (Keras 3) as GetItem reversals, against the reversal in Java. */
    @Test
    void reverseAndFlipReverseTheirAxes(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 3 * 4];
        for (int i = 0; i < x.length; i++) x[i] = i;
        String tfKeras = TfKerasOps.model(TfKerasOps.input("[null, 3, 4]") + ", "
                + TfKerasOps.lambda("out", "reverse", "x", "{'axis': %s, 'name': null}"), "out");
        String[] axes = {"[-1]", "[1]", "[1, 2]", "[-2]"};
        boolean[][] flips = {{false, true}, {true, false}, {true, true}, {true, false}};
        for (int k = 0; k < axes.length; k++) {
            float[] want = new float[x.length];
            for (int n = 0; n < 2; n++) {
                for (int r = 0; r < 3; r++) {
                    for (int c = 0; c < 4; c++) {
                        want[n * 12 + r * 4 + c] = x[n * 12 + (flips[k][0] ? 2 - r : r) * 4 + (flips[k][1] ? 3 - c : c)];
                    }
                }
            }
            String keras3 = Keras3Ops.model("[null, 3, 4]", "out", List.of(new Keras3Ops.Op("out", "numpy", "Flip",
                    "{'name': 'out', 'axis': " + axes[k] + "}", Keras3Ops.tensor("x"))));
            for (String config : new String[] {tfKeras.formatted(axes[k]), keras3}) {
                try (Model m = Models.load(Files.writeString(dir.resolve("rev.json"), config));
                     Tensor in = Tensor.of(x, 2, 3, 4); Tensor y = m.predict(in)) {
                    assertArrayEquals(want, y.toFloatArray(), 0f, axes[k]);
                }
            }
        }
        for (String bad : new String[] {"[0]", "[1, -1]", "null"}) {
            Path p = Files.writeString(dir.resolve("bad.json"), tfKeras.formatted(bad));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), bad);
            assertTrue(e.getMessage().contains("tf.reverse with axis="), e.getMessage());
        }
    }

    /**
     * {@code tf.math.maximum} / {@code minimum} of two tensors as Keras' merges, NaN propagated as they
     * propagate it (of a tensor and a number: {@code ConstantExtremaFilesTest}); a string refused.
     */
    @Test
    void maximumAndMinimumOfTwoTensorsAsTheMerges(@TempDir Path dir) throws Exception {
        float[] x = {1, -2, Float.NaN, 4, -0f, 3};
        for (String f : new String[] {"maximum", "minimum"}) {
            String lambdas = TfKerasOps.model(TfKerasOps.input("[null, 6]") + ", {'class_name': 'Rescaling', 'config':"
                    + " {'name': 'flip', 'scale': -1.0, 'offset': 0.5}, 'name': 'flip', 'inbound_nodes': [[['x', 0, 0, {}]]]}, "
                    + TfKerasOps.lambda("out", "math." + f, "x", "{'y': ['flip', 0, 0], 'name': null}"), "out");
            String merge = lambdas.replace("\"TFOpLambda\"", "\"" + (f.equals("maximum") ? "Maximum" : "Minimum") + "\"")
                    .replace("[[\"x\", 0, 0, {\"y\": [\"flip\", 0, 0], \"name\": null}]]",
                            "[[[\"x\", 0, 0, {}], [\"flip\", 0, 0, {}]]]")
                    .replace(", \"function\": \"math." + f + "\"", "");
            try (Model a = Models.load(Files.writeString(dir.resolve("a.json"), lambdas));
                 Model b = Models.load(Files.writeString(dir.resolve("b.json"), merge));
                 Tensor in = Tensor.of(x, 1, 6); Tensor ya = a.predict(in); Tensor yb = b.predict(in)) {
                assertEquals(f.equals("maximum") ? "Maximum" : "Minimum", a.layer("out").className());
                assertArrayEquals(yb.toFloatArray(), ya.toFloatArray(), 0f, f);
                assertTrue(Float.isNaN(ya.toFloatArray()[2]), "NaN propagated");
            }
        }
        Path constant = Files.writeString(dir.resolve("c.json"), TfKerasOps.model(TfKerasOps.input("[null, 6]") + ", "
                + TfKerasOps.lambda("out", "math.maximum", "x", "{'y': 'zero', 'name': null}"), "out"));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(constant).close());
        assertTrue(e.getMessage().contains("tf.math.maximum with y=\"zero\""), e.getMessage());
    }

    /** {@code tf.cast} / {@code ops.cast} to float32 of a float32 tensor is the identity; to another dtype it is refused. */
    @Test
    void castToFloat32IsTheIdentity(@TempDir Path dir) throws Exception {
        float[] x = {1.5f, -0f, Float.NaN, 7};
        String tfKeras = TfKerasOps.model(TfKerasOps.input("[null, 4]") + ", "
                + TfKerasOps.lambda("out", "cast", "x", "{'dtype': '%s', 'name': null}"), "out");
        String keras3 = Keras3Ops.model("[null, 4]", "out", List.of(new Keras3Ops.Op("out", "core", "Cast",
                "{'name': 'out', 'dtype': 'float32'}", Keras3Ops.tensor("x"))));
        for (String config : new String[] {tfKeras.formatted("float32"), keras3}) {
            try (Model m = Models.load(Files.writeString(dir.resolve("cast.json"), config));
                 Tensor in = Tensor.of(x, 1, 4); Tensor y = m.predict(in)) {
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y.toFloatArray()[i]), config);
                }
            }
        }
        Path half = Files.writeString(dir.resolve("half.json"), tfKeras.formatted("float16"));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(half).close());
        assertTrue(e.getMessage().contains("tf.cast with dtype=\"float16\""), e.getMessage());
    }

    /** {@code tf.pad} and {@code ops.pad} with zeros around the spatial axes, as ZeroPadding1D/2D; other fills refused. */
    @Test
    void padWithZerosReadsAsZeroPadding(@TempDir Path dir) throws Exception {
        String tfKeras = TfKerasOps.model(TfKerasOps.input("%s") + ", " + TfKerasOps.lambda("out", "pad", "x", "%s"), "out");
        String[][] cases = {
            {"[null, 3, 4, 2]", "{'paddings': [[0, 0], [1, 2], [0, 3], [0, 0]], 'mode': 'CONSTANT', 'constant_values': 0, 'name': null}",
                "{'class_name': 'ZeroPadding2D', 'config': {'padding': [[1, 2], [0, 3]]}}", "2,3,4,2"},
            {"[null, 5, 2]", "{'paddings': [[0, 0], [2, 1], [0, 0]], 'name': null}",
                "{'class_name': 'ZeroPadding1D', 'config': {'padding': [2, 1]}}", "2,5,2"}};
        for (String[] c : cases) {
            long[] shape = java.util.Arrays.stream(c[3].split(",")).mapToLong(Long::parseLong).toArray();
            float[] x = new float[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            for (int i = 0; i < x.length; i++) x[i] = i + 1;
            String padWidth = c[1].substring(c[1].indexOf('['), c[1].lastIndexOf("]]") + 2);
            String keras3 = Keras3Ops.model(c[0], "out", List.of(new Keras3Ops.Op("out", "numpy", "Pad",
                    "{'name': 'out', 'pad_width': " + padWidth + ", 'mode': 'constant'}", Keras3Ops.tensor("x"))));
            try (kdnn.layers.Layer pad = kdnn.layers.Layers.fromConfig(new com.fasterxml.jackson.databind.ObjectMapper()
                         .readTree(c[2].replace('\'', '"')));
                 Tensor in = Tensor.of(x, shape); Tensor want = pad.call(in)) {
                for (String config : new String[] {tfKeras.formatted(c[0], c[1].replace('\'', '"')), keras3}) {
                    try (Model m = Models.load(Files.writeString(dir.resolve("pad.json"), config)); Tensor y = m.predict(in)) {
                        assertArrayEquals(want.shape(), y.shape(), config);
                        assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f, config);
                    }
                }
            }
        }
        // another constant or the channels padded: kdnn's Pad (checked against Keras in keras-written/keras3-reductions)
        for (String other : new String[] {"{'paddings': [[0, 0], [1, 1], [1, 1], [0, 0]], 'constant_values': 1.5}",
            "{'paddings': [[0, 0], [1, 1], [1, 1], [0, 1]]}"}) {
            Path p = Files.writeString(dir.resolve("other.json"), tfKeras.formatted("[null, 3, 4, 2]", other.replace('\'', '"')));
            try (Model m = Models.load(p)) {
                assertEquals("Pad", m.layer("out").className(), other);
            }
        }
        for (String bad : new String[] {"{'paddings': [[0, 0], [1, 1], [1, 1], [0, 0]], 'mode': 'EDGE'}",
            "{'paddings': [[0, 0], [-1, 1], [1, 1], [0, 0]]}", "{'paddings': [[1, 0], [1, 1], [1, 1], [0, 0]]}"}) {
            Path p = Files.writeString(dir.resolve("bad.json"), tfKeras.formatted("[null, 3, 4, 2]", bad.replace('\'', '"')));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), bad);
            assertTrue(e.getMessage().contains("tf.pad with paddings="), e.getMessage());
        }
    }

    /**
     * {@code tf.pad(x, paddings, mode="REFLECT")} before a convolution, as CycleGAN's generators
     * write it: kdnn's Pad in the reflect mode, the reference's values, written back as the same
     * TFOpLambda in .h5 and as Keras 3's ops.pad in .keras (without a fill, which Keras 3 refuses
     * beside a mirrored mode); SYMMETRIC likewise.
     */
    @Test
    void mirroredPadsReadAndWriteBack(@TempDir Path dir) throws Exception {
        String tfKeras = TfKerasOps.model(TfKerasOps.input("[null, 4, 5, 2]") + ", " + TfKerasOps.lambda("out", "pad", "x",
                "{'paddings': [[0, 0], [3, 3], [2, 1], [0, 0]], 'mode': '%s', 'constant_values': 0, 'name': null}"), "out");
        float[] x = new float[2 * 4 * 5 * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        for (String mode : new String[] {"REFLECT", "SYMMETRIC"}) {
            Path file = Files.writeString(dir.resolve("pad.json"), tfKeras.formatted(mode));
            try (Model m = Models.load(file); Tensor in = Tensor.of(x, 2, 4, 5, 2); Tensor y = m.predict(in)) {
                assertEquals("Pad", m.layer("out").className());
                assertEquals(mode.toLowerCase(java.util.Locale.ROOT), ((kdnn.layers.Pad) m.layer("out")).mode());
                float[] want = kdnn.reference.ReferenceShapeOps.pad(new kdnn.reference.RefArray(new int[] {2, 4, 5, 2}, x),
                        new int[][] {{0, 0}, {3, 3}, {2, 1}, {0, 0}}, mode.toLowerCase(java.util.Locale.ROOT), 0).data();
                assertArrayEquals(want, y.toFloatArray(), 0f, mode);
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5", "m.keras"));
                Models.save(m, dir.resolve("w.keras"));
                String written = new String(readZipEntry(dir.resolve("w.keras"), "config.json"), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(written.contains("\"mode\": \"" + mode.toLowerCase(java.util.Locale.ROOT) + "\"")
                        || written.contains("\"mode\":\"" + mode.toLowerCase(java.util.Locale.ROOT) + "\""), written);
                assertTrue(!written.contains("constant_values"), "no fill beside a mirrored mode: " + written);
            }
        }
    }

    private static byte[] readZipEntry(Path zip, String entry) throws java.io.IOException {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
            try (java.io.InputStream in = z.getInputStream(z.getEntry(entry))) {
                return in.readAllBytes();
            }
        }
    }

    /**
     * tf.linalg.matmul of a tensor by itself transposed ({@code x @ x^T}, transpose_b): kdnn's Matmul,
     * the Gram matrix of each sample; written back as the same TFOpLambda, and refused as .keras
     * (Keras 3's ops.matmul has no transposes).
     */
    @Test
    void matmulWithTransposesReadsAndWritesBack(@TempDir Path dir) throws Exception {
        String config = TfKerasOps.model(TfKerasOps.input("[null, 2, 3]") + ", " + TfKerasOps.lambda("gram", "linalg.matmul",
                "x", "{'b': ['x', 0, 0], 'transpose_a': false, 'transpose_b': true, 'name': null}"), "gram");
        float[] x = {1, 2, 3, 4, 5, 6, -1, 0, 2, 0.5f, 1, -3};
        float[] want = new float[8];
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    for (int k = 0; k < 3; k++) want[n * 4 + i * 2 + j] += x[n * 6 + i * 3 + k] * x[n * 6 + j * 3 + k];
                }
            }
        }
        try (Model m = Models.load(Files.writeString(dir.resolve("gram.json"), config)); Tensor in = Tensor.of(x, 2, 2, 3);
             Tensor y = m.predict(in)) {
            assertEquals("Matmul", m.layer("gram").className());
            assertArrayEquals(new long[] {2, 2, 2}, y.shape());
            assertArrayEquals(want, y.toFloatArray(), 1e-5f);
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
            assertTrue(e.getMessage().contains("transpose"), e.getMessage());
        }
    }

    /** Keras 3 saves keras.ops calls under the operation's class name: element-wise ones read as the merge, others are refused. */
    @Test
    void keras3OperationsReadOnlyWhereTheyMeanTheLayer(@TempDir Path dir) throws Exception {
        String tensor = "{'class_name': '__keras_tensor__', 'config': {'shape': [null, 3], 'dtype': 'float32',"
                + " 'keras_history': ['%s', 0, 0]}}";
        String template = ("{'module': 'keras', 'class_name': 'Functional', 'config': {'name': 'ops', 'trainable': true,"
                + " 'layers': [{'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {'batch_shape': [null, 3],"
                + " 'dtype': 'float32', 'sparse': false, 'name': 'x'}, 'registered_name': null, 'name': 'x', 'inbound_nodes': []},"
                + " {'module': 'keras.src.ops.numpy', 'class_name': '%s', 'config': {'name': 'op'}, 'registered_name': '%s',"
                + " 'name': 'op', 'inbound_nodes': [{'args': [" + tensor.formatted("x") + ", " + tensor.formatted("x")
                + "], 'kwargs': {}}]}],"
                + " 'input_layers': [['x', 0, 0]], 'output_layers': [['op', 0, 0]]}, 'registered_name': 'Functional'}")
                .replace('\'', '"');
        Path add = Files.writeString(dir.resolve("add.json"), template.formatted("Multiply", "Multiply"));
        try (Model m = Models.load(add); Tensor in = Tensor.of(new float[] {1, -2, 3}, 1, 3); Tensor y = m.predict(in)) {
            assertArrayEquals(new float[] {1, 4, 9}, y.toFloatArray(), 0f);
        }
        Path sort = Files.writeString(dir.resolve("sort.json"), template.formatted("Sort", "Sort"));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(sort).close());
        assertTrue(e.getMessage().contains("Keras 3 operation keras.src.ops.numpy.Sort"), e.getMessage());
        // ops.concatenate([x, x], axis): its axis configured, NumPy's 0 by default (the batch: refused)
        String both = "[[" + tensor.formatted("x") + ", " + tensor.formatted("x") + "]]";
        String twoArguments = "[" + tensor.formatted("x") + ", " + tensor.formatted("x") + "]";
        String concatenate = template.formatted("Concatenate", "Concatenate").replace(twoArguments.replace('\'', '"'),
                both.replace('\'', '"'));
        Path lastAxis = Files.writeString(dir.resolve("concat.json"),
                concatenate.replace("{\"name\": \"op\"}", "{\"name\": \"op\", \"axis\": -1}"));
        try (Model m = Models.load(lastAxis); Tensor in = Tensor.of(new float[] {1, -2, 3}, 1, 3); Tensor y = m.predict(in)) {
            assertArrayEquals(new float[] {1, -2, 3, 1, -2, 3}, y.toFloatArray(), 0f);
        }
        Path defaultAxis = Files.writeString(dir.resolve("concat0.json"), concatenate);
        e = assertThrows(IllegalArgumentException.class, () -> Models.load(defaultAxis).close());
        assertTrue(e.getMessage().contains("along the batch axis (axis=0)"), e.getMessage());
        Path notAList = Files.writeString(dir.resolve("concat2.json"), template.formatted("Concatenate", "Concatenate"));
        e = assertThrows(IllegalArgumentException.class, () -> Models.load(notAList).close());
        assertTrue(e.getMessage().contains("is not called on one list of tensors"), e.getMessage());
    }

    /**
     * Keras 3 saves a keras.ops call on a tensor and a constant with the constant among its
     * arguments ({@code {"args": [tensor, 0.5]}}): read as the TFOpLambda of the same meaning.
     */
    @Test
    void keras3OperationsWithConstantsReadAsTheirLayers(@TempDir Path dir) throws Exception {
        String model = Keras3Ops.model("[null, 4]", "out", List.of(
                Keras3Ops.Op.of("half", "numpy", "Multiply", Keras3Ops.tensor("x") + ", 0.5"),
                Keras3Ops.Op.of("plus", "numpy", "Add", "1.0, " + Keras3Ops.tensor("half")),
                Keras3Ops.Op.of("less", "numpy", "Subtract", Keras3Ops.tensor("plus") + ", 0.25"),
                Keras3Ops.Op.of("relu", "nn", "Relu", Keras3Ops.tensor("less")),
                Keras3Ops.Op.of("quarter", "numpy", "TrueDivide", Keras3Ops.tensor("relu") + ", 4.0"),
                Keras3Ops.Op.of("flip", "numpy", "Subtract", "1.0, " + Keras3Ops.tensor("quarter")),
                Keras3Ops.Op.of("out", "numpy", "Negative", Keras3Ops.tensor("flip"))));
        Path p = Files.writeString(dir.resolve("ops.json"), model);
        float[] x = {-3, -0.5f, 0.7f, 12};
        float[] want = new float[4];
        for (int i = 0; i < 4; i++) want[i] = -(1f - Math.max(1f + x[i] * 0.5f - 0.25f, 0f) / 4f);
        try (Model m = Models.load(p); Tensor in = Tensor.of(x, 1, 4); Tensor y = m.predict(in)) {
            assertArrayEquals(want, y.toFloatArray(), 0f);
            assertEquals("Rescaling", m.layer("half").className());
            assertEquals("Activation", m.layer("relu").className());
        }
        // a divisor whose reciprocal rounds otherwise: an exact division, not a Rescaling
        Path exact = Files.writeString(dir.resolve("exact.json"), model.replace(", 4.0]", ", 255.0]"));
        for (int i = 0; i < 4; i++) want[i] = -(1f - Math.max(1f + x[i] * 0.5f - 0.25f, 0f) / 255f);
        try (Model m = Models.load(exact); Tensor in = Tensor.of(x, 1, 4); Tensor y = m.predict(in)) {
            assertArrayEquals(want, y.toFloatArray(), 0f);
            assertEquals("TrueDivide", m.layer("quarter").className());
        }
    }
}
