package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/** Configs read back to equal layers; bad arguments, weights and inputs are refused naming what is wrong. */
class SurroundingConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(json("{'class_name':'" + cls + "','config':{" + config + "}}"));
    }

    private static final String[][] CONFIGS = {
        {"Activation", "'name':'a','trainable':true,'dtype':'float32','activation':'log_softmax'"},
        {"Activation", "'activation':null"},
        {"ReLU", "'max_value':6,'negative_slope':0.1,'threshold':0.5"},
        {"ReLU", "'batch_input_shape':[null,3]"},
        {"LeakyReLU", "'alpha':0.2"},
        {"LeakyReLU", "'negative_slope':0.1"},
        {"ELU", "'alpha':0.5"},
        {"ThresholdedReLU", "'theta':0.25"},
        {"PReLU", "'alpha_initializer':{'class_name':'Constant','config':{'value':0.25}},'alpha_regularizer':'l2',"
            + "'alpha_constraint':{'class_name':'NonNeg','config':{}},'shared_axes':2"},
        {"Softmax", "'axis':[1,-1]"},
        {"Softmax", "'axis':1"},
        {"Dropout", "'rate':0.3,'noise_shape':[null,1,4],'seed':7"},
        {"SpatialDropout1D", "'rate':0.3,'noise_shape':null,'seed':null"},
        {"SpatialDropout2D", "'rate':0.3,'noise_shape':null,'seed':null,'data_format':'channels_first'"},
        {"SpatialDropout3D", "'rate':0.3"},
        {"GaussianDropout", "'rate':0.1,'seed':3"},
        {"GaussianNoise", "'stddev':0.5,'seed':null"},
        {"AlphaDropout", "'rate':0.1,'seed':null"},
        {"AlphaDropout", "'rate':0.1,'noise_shape':[null,2],'seed':1"},
        {"ActivityRegularization", "'l1':0.01,'l2':0.5"},
        {"Identity", ""},
        {"Flatten", "'data_format':'channels_first'"},
        {"Reshape", "'target_shape':[-1,2]"},
        {"Permute", "'dims':[2,1]"},
        {"RepeatVector", "'n':3"},
    };

    /** Keras' base Layer takes activity_regularizer on every layer; a wrong one is still refused by name. */
    @Test
    void everyLayerTakesAnActivityRegularizer() throws Exception {
        for (String[] c : new String[][] {{"BatchNormalization", ""}, {"MaxPooling2D", ""}, {"Add", ""}, {"Flatten", ""},
                {"ReLU", ""}, {"UpSampling2D", ""}, {"GlobalAveragePooling2D", ""}, {"Concatenate", ""}}) {
            String reg = "'activity_regularizer':{'class_name':'L1L2','config':{'l1':0.0,'l2':0.01}}";
            try (Layer l = layer(c[0], reg)) {
                assertEquals(c[0], l.className());
            }
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0], "'activity_regularizer':'l7'"));
            assertTrue(e.getMessage().startsWith(c[0] + ": invalid `activity_regularizer`: "), e.getMessage());
        }
    }

    @Test
    void configsRoundTripToEqualLayers() throws Exception {
        for (String[] c : CONFIGS) {
            try (Layer a = layer(c[0], c[1]); Layer b = Layers.fromConfig(Layers.toConfig(a))) {
                assertEquals(c[0], a.className());
                assertEquals(Layers.toConfig(a), Layers.toConfig(b), c[0] + " " + c[1]);
                assertEquals(a.getWeights(), b.getWeights());
            }
        }
    }

    @Test
    void configKeysAreKeras2sInKerasOrder() throws Exception {
        try (Layer l = layer("ReLU", "'name':'r'")) {
            assertEquals(("{'name':'r','trainable':true,'dtype':'float32','max_value':null,'negative_slope':0.0,"
                    + "'threshold':0.0}").replace('\'', '"'), Layers.toConfig(l).get("config").toString());
        }
        try (Layer l = layer("Dropout", "'name':'d','rate':0.5")) {
            assertEquals("{'name':'d','trainable':true,'dtype':'float32','rate':0.5,'noise_shape':null,'seed':null}"
                    .replace('\'', '"'), Layers.toConfig(l).get("config").toString());
        }
        try (Layer l = layer("PReLU", "'name':'p'")) {
            assertEquals(List.of("name", "trainable", "dtype", "alpha_initializer", "alpha_regularizer",
                    "alpha_constraint", "shared_axes"), iterable(Layers.toConfig(l).get("config")));
        }
        assertEquals("p_re_lu", LayerNames.snake("PReLU"));
        assertEquals("thresholded_re_lu", LayerNames.snake("ThresholdedReLU"));
        assertEquals("spatial_dropout2d", LayerNames.snake("SpatialDropout2D"));
    }

    private static List<String> iterable(JsonNode o) {
        List<String> keys = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static void refused(String cls, String config, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer(cls, config).close(),
                cls + " " + config);
        for (String w : words) assertTrue(e.getMessage().contains(w), e.getMessage());
    }

    @Test
    void badArgumentsAreRefusedNamingThem() {
        refused("Activation", "'activation':'swishy'", "swishy");
        refused("ReLU", "'max_value':-1", "max_value", "-1");
        refused("ReLU", "'negative_slope':-0.5", "negative_slope");
        refused("ReLU", "'threshold':null", "threshold");
        refused("ReLU", "'treshold':1", "treshold");
        refused("ThresholdedReLU", "'theta':-1", "theta");
        refused("LeakyReLU", "'alpha':'x'", "alpha");
        refused("ELU", "'alpha':null", "alpha");
        refused("PReLU", "'shared_axes':0", "shared_axes");
        refused("PReLU", "'alpha_initializer':'onez'", "onez");
        refused("Softmax", "'axis':[]", "axis");
        refused("Dropout", "'rate':1.5", "rate", "1.5");
        refused("Dropout", "'rate':-0.1", "rate");
        refused("Dropout", "'noise_shape':null", "rate");
        refused("Dropout", "'rate':0.5,'noise_shape':[0,1]", "noise_shape");
        refused("SpatialDropout1D", "'rate':0.5,'data_format':'channels_first'", "data_format");
        refused("SpatialDropout2D", "'rate':0.5,'data_format':'channels_middle'", "data_format");
        refused("GaussianNoise", "'stddev':-1", "stddev");
        refused("GaussianDropout", "'rate':0.5,'noise_shape':null", "noise_shape");
        refused("ActivityRegularization", "'l1':'a'", "l1");
        refused("Identity", "'rate':0.5", "rate");
        refused("Flatten", "'data_format':'channels_middle'", "channels_middle");
        refused("Reshape", "'target_shape':[-1,-1]", "at most one unknown");
        refused("Reshape", "'target_shape':[0,2]", "target_shape");
        refused("Permute", "'dims':[1,3]", "dims");
        refused("Permute", "'dims':[1,1]", "dims");
        refused("RepeatVector", "'n':0", "`n`");
        refused("RepeatVector", "'n':2.5", "n");
        refused("Activation", "'activation':'relu','dtype':'float16'", "dtype");
    }

    @Test
    void wrongInputsAreRefusedAtCall() throws Exception {
        String[][] cases = {
            {"SpatialDropout2D", "'rate':0.5", "ndim=4"}, {"SpatialDropout3D", "'rate':0.5", "ndim=5"},
            {"RepeatVector", "'n':2", "ndim=2"}, {"Permute", "'dims':[2,1,3]", "ndim=4"},
            {"Softmax", "'axis':3", "axis"}, {"Softmax", "'axis':[1,-2]", "twice"},
            {"Reshape", "'target_shape':[5]", "total size"}, {"PReLU", "'shared_axes':[3]", "shared_axes"},
            {"Activation", "'activation':'softmax'", "1D"},
        };
        for (String[] c : cases) {
            long[] shape = c[0].equals("Activation") ? new long[] {4} : new long[] {1, 2, 3};
            try (Layer l = layer(c[0], c[1]); Tensor x = Tensor.zeros(shape)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.call(x).close(), c[0]);
                assertTrue(e.getMessage().contains(c[2]), e.getMessage());
            }
        }
        // a built PReLU takes only inputs its alpha fits
        try (Layer l = layer("PReLU", "'shared_axes':[1]"); Tensor x = Tensor.zeros(1, 2, 3); Tensor z = Tensor.zeros(1, 2, 4)) {
            l.call(x).close();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.call(z).close());
            assertTrue(e.getMessage().contains("axis 2"), e.getMessage());
        }
    }

    @Test
    void wrongWeightShapesAreRefusedAtSetWeights() throws Exception {
        try (Layer l = layer("PReLU", "'shared_axes':[1,2]")) {
            l.build(1, 3, 3, 4);
            assertEquals(List.of(4), List.of(l.getWeights().get(0).shape()[2]));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> l.setWeights(List.of(new Weight("alpha", new int[] {3, 3, 4}, new float[36]))));
            assertTrue(e.getMessage().contains("(1, 1, 4)") && e.getMessage().contains("alpha"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> l.setWeights(List.of()));
        }
        try (Layer l = layer("Dropout", "'rate':0.5")) {
            l.build(1, 3);
            assertThrows(IllegalArgumentException.class,
                    () -> l.setWeights(List.of(new Weight("alpha", new int[] {3}, new float[3]))));
        }
    }

    @Test
    void identityLayersAreMarkedAndActivityRegularizationHasItsPenalty() throws Exception {
        for (String[] c : CONFIGS) {
            try (Layer l = layer(c[0], c[1])) {
                // Activation(None) is Keras' linear: its input as it is
                boolean identity = List.of("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                        "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization", "Identity").contains(c[0])
                        || c[0].equals("Activation") && c[1].contains("'activation':null");
                assertEquals(identity, l.identityAtInference(), c[0]);
                boolean elementwise = identity || List.of("ReLU", "LeakyReLU", "ELU", "ThresholdedReLU").contains(c[0])
                        || c[0].equals("Activation") && !c[1].contains("softmax");
                assertEquals(elementwise, l.elementwise(), c[0] + " " + c[1]);
            }
        }
        try (Layer l = layer("ActivityRegularization", "'l1':0.5,'l2':0.25");
             Tensor x = Tensor.of(new float[] {1, -2, 3}, 1, 3); Tensor y = l.call(x)) {
            assertEquals(0.5 * 6 + 0.25 * 14, l.activityPenalty(y), 1e-6);
            assertFalse(l.activityPenalty(y) == 0);
        }
    }

    @Test
    void useAfterCloseThrowsIllegalState() throws Exception {
        for (String[] c : CONFIGS) {
            Layer l = layer(c[0], c[1]);
            l.close();
            try (Tensor x = Tensor.zeros(1, 2, 3)) {
                assertThrows(IllegalStateException.class, () -> l.call(x), c[0]);
                assertThrows(IllegalStateException.class, l::getWeights, c[0]);
            }
        }
    }
}
