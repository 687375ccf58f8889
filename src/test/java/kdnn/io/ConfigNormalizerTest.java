package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Keras 3's config forms become Keras 2's; what cannot be loaded from a file is refused by name. */
class ConfigNormalizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String POLICY = """
            {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "%s"}, "registered_name": null}""";

    private static String tensor(String layer, int node) {
        return """
                {"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32",
                 "keras_history": ["%s", %d, 0]}}""".formatted(layer, node);
    }

    private static JsonNode keras3Model(String denseDtype, String extraLayer) throws Exception {
        return JSON.readTree("""
                {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
                 "build_config": {"input_shape": null}, "compile_config": {},
                 "config": {"name": "m", "trainable": true, "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null, "name": "x",
                   "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "x", "optional": false},
                   "inbound_nodes": []},
                  {"module": "keras", "class_name": "Sequential", "registered_name": null, "name": "inner",
                   "build_config": {"input_shape": [null, 4]},
                   "config": {"name": "inner", "trainable": true, "dtype": %s, "layers": [
                     {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null,
                      "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "input_layer"}},
                     {"module": "keras.layers", "class_name": "Dense", "registered_name": null,
                      "build_config": {"input_shape": [null, 4]},
                      "config": {"name": "d1", "dtype": %s, "units": 4,
                       "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                              "config": {"seed": null}, "registered_name": null},
                       "kernel_regularizer": null}}]},
                   "inbound_nodes": [{"args": [%s], "kwargs": {"mask": null}}]},
                  {"module": "keras.layers", "class_name": "Add", "registered_name": null, "name": "add",
                   "config": {"name": "add", "dtype": %s},
                   "inbound_nodes": [{"args": [[%s, %s]], "kwargs": {}}]},
                  {"module": "keras.layers", "class_name": "Dropout", "registered_name": null, "name": "drop",
                   "config": {"name": "drop", "rate": 0.5, "dtype": %s},
                   "inbound_nodes": [{"args": [%s], "kwargs": {"training": false}}]}%s],
                  "input_layers": ["x", 0, 0], "output_layers": [["drop", 0, 0], ["inner", 0, 0]]}}
                """.formatted(POLICY.formatted("float32"), POLICY.formatted(denseDtype), tensor("x", 0),
                POLICY.formatted("float32"), tensor("x", 0), tensor("inner", 0), POLICY.formatted("float32"),
                tensor("add", 0), extraLayer));
    }

    @Test
    void keras3FormsBecomeKeras2Forms() throws Exception {
        JsonNode expected = JSON.readTree("""
                {"class_name": "Functional", "config": {"name": "m", "trainable": true, "layers": [
                  {"class_name": "InputLayer", "name": "x",
                   "config": {"dtype": "float32", "sparse": false, "name": "x", "optional": false, "batch_input_shape": [null, 4]},
                   "inbound_nodes": []},
                  {"class_name": "Sequential", "name": "inner",
                   "config": {"name": "inner", "trainable": true, "dtype": "float32", "layers": [
                     {"class_name": "InputLayer", "config": {"dtype": "float32", "name": "input_layer", "batch_input_shape": [null, 4]}},
                     {"class_name": "Dense", "config": {"name": "d1", "dtype": "float32", "units": 4,
                       "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
                       "kernel_regularizer": null}}]},
                   "inbound_nodes": [[["x", 0, 0, {}]]]},
                  {"class_name": "Add", "name": "add", "config": {"name": "add", "dtype": "float32"},
                   "inbound_nodes": [[["x", 0, 0, {}], ["inner", 1, 0, {}]]]},
                  {"class_name": "Dropout", "name": "drop", "config": {"name": "drop", "rate": 0.5, "dtype": "float32"},
                   "inbound_nodes": [[["add", 0, 0, {"training": false}]]]}],
                  "input_layers": [["x", 0, 0]], "output_layers": [["drop", 0, 0], ["inner", 1, 0]]}}
                """);
        assertEquals(expected, ConfigNormalizer.normalize(keras3Model("float32", ""), "f"));
        // Keras 2's form passes through unchanged
        assertEquals(expected, ConfigNormalizer.normalize(expected, "f"));
    }

    /** A mixed-precision layer is refused, naming the switch that computes it in float32; with it, it reads as float32. */
    @Test
    void mixedPrecisionPoliciesOnlyWithTheSwitch() throws Exception {
        JsonNode float32 = ConfigNormalizer.normalize(keras3Model("float32", ""), "f");
        for (String policy : new String[] {"mixed_float16", "mixed_bfloat16"}) {
            WeightsFileTest.assertRefused(() -> ConfigNormalizer.normalize(keras3Model(policy, ""), "f.keras"),
                    "f.keras", policy, "-Dkdnn.mixedPrecision=float32");
            String before = System.getProperty("kdnn.mixedPrecision");
            System.setProperty("kdnn.mixedPrecision", "float32");
            try {
                assertEquals(float32, ConfigNormalizer.normalize(keras3Model(policy, ""), "f"), policy);
                System.setProperty("kdnn.mixedPrecision", "sometimes");
                var e = assertThrows(IllegalArgumentException.class, () -> ConfigNormalizer.normalize(keras3Model(policy, ""), "f"));
                assertTrue(e.getMessage().contains("kdnn.mixedPrecision must be refuse (the default) or float32"), e.getMessage());
            } finally {
                if (before == null) System.clearProperty("kdnn.mixedPrecision"); else System.setProperty("kdnn.mixedPrecision", before);
            }
        }
    }

    @Test
    void whatCannotBeLoadedFromAFileIsRefusedByName() throws Exception {
        WeightsFileTest.assertRefused(() -> ConfigNormalizer.normalize(keras3Model("mixed_float16", ""), "f.keras"),
                "f.keras", "layer \"d1\" (Dense)", "mixed_float16", "float32");
        String lambda = """
                , {"module": "keras.layers", "class_name": "Lambda", "name": "lam", "config": {"name": "lam",
                   "function": {"class_name": "__lambda__", "config": {"code": "xyz"}}}, "inbound_nodes": []}""";
        WeightsFileTest.assertRefused(() -> ConfigNormalizer.normalize(keras3Model("float32", lambda), "f"),
                "layer \"lam\" (Lambda)", "Lambda layer");
        String custom = """
                , {"module": "my_project.layers", "class_name": "Fancy", "registered_name": "my_project>Fancy",
                   "name": "fancy", "config": {"name": "fancy"}, "inbound_nodes": []}""";
        WeightsFileTest.assertRefused(() -> ConfigNormalizer.normalize(keras3Model("float32", custom), "f"),
                "layer \"fancy\" (Fancy)", "custom class", "my_project>Fancy");
        String customActivation = """
                , {"module": "keras.layers", "class_name": "Dense", "name": "act", "config": {"name": "act", "units": 1,
                   "activation": {"module": "builtins", "class_name": "function", "config": "my_act",
                                  "registered_name": "function"}}, "inbound_nodes": []}""";
        WeightsFileTest.assertRefused(() -> ConfigNormalizer.normalize(keras3Model("float32", customActivation), "f"),
                "layer \"act\" (Dense)", "argument \"activation\"", "my_act");
        // a tensor as a keyword argument kdnn has no place for (a recurrent layer's constants); a mask is derived again
        String tensorKwarg = """
                , {"module": "keras.layers", "class_name": "SimpleRNN", "name": "rnn", "config": {"name": "rnn", "units": 2},
                   "inbound_nodes": [{"args": [%s], "kwargs": {"constants": [%s]}}]}""".formatted(tensor("x", 0), tensor("x", 0));
        WeightsFileTest.assertRefused(() -> ConfigNormalizer.normalize(keras3Model("float32", tensorKwarg), "f"),
                "layer \"rnn\" (SimpleRNN)", "keyword argument \"constants\"");
    }
}
