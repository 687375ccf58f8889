package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The random augmentation layers that Keras' tutorial models carry (RandomFlip, RandomRotation,
 * RandomZoom, RandomTranslation, RandomContrast, RandomBrightness) return their input at
 * inference, so a model with them predicts what it predicts without them; their configs (tf-keras'
 * and Keras 3's) read and write back as they were, and Keras' refusals stand.
 */
class RandomAugmentationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'" + cls + "','config':{" + config + "}}").replace('\'', '"')));
    }

    private static final String[][] CONFIGS = {
            {"RandomFlip", "'name':'flip','mode':'horizontal','seed':null"},
            {"RandomFlip", "'name':'flip3','mode':'vertical','seed':7,'data_format':'channels_last'"},
            {"RandomRotation", "'name':'rot','factor':0.1,'fill_mode':'reflect','fill_value':0.0,'interpolation':'bilinear',"
                    + "'seed':null"},
            {"RandomRotation", "'name':'rot3','factor':[-0.2,0.3],'data_format':'channels_last','fill_mode':'constant',"
                    + "'fill_value':0.5,'interpolation':'nearest','seed':3"},
            {"RandomZoom", "'name':'zoom','height_factor':0.1,'width_factor':null,'fill_mode':'reflect',"
                    + "'interpolation':'bilinear','seed':null,'fill_value':0.0"},
            {"RandomTranslation", "'name':'shift','height_factor':[-0.1,0.2],'width_factor':0.1,'fill_mode':'wrap',"
                    + "'interpolation':'bilinear','seed':null,'fill_value':0.0"},
            {"RandomContrast", "'name':'contrast','factor':0.2,'seed':null"},
            {"RandomBrightness", "'name':'bright','factor':[-0.2,0.2],'value_range':[0,1],'seed':null"}};

    @Test
    void aTutorialModelPredictsAsWithoutItsAugmentation(@TempDir Path dir) throws Exception {
        Layer conv = Layers.fromConfig(JSON.readTree(
                "{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"conv\",\"filters\":3,\"kernel_size\":3,\"activation\":\"relu\"}}"));
        List<Layer> layers = new java.util.ArrayList<>();
        for (String[] c : CONFIGS) layers.add(layer(c[0], c[1]));
        layers.add(layer("Rescaling", "'name':'rescale','scale':0.00392156862745098"));
        layers.add(conv);
        try (Sequential m = Sequential.of("augmented", layers, -1, 7, 7, 3)) {
            float[] x = new float[2 * 7 * 7 * 3];
            for (int i = 0; i < x.length; i++) x[i] = (i * 31) % 256;
            try (Tensor in = Tensor.of(x, 2, 7, 7, 3); Tensor y = m.predict(in); Tensor a = layers.get(CONFIGS.length).call(in);
                 Tensor want = conv.call(a)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
                assertTrue(m.plan().contains("conv"), m.plan());
                for (String[] c : CONFIGS) {
                    Layer l = m.layer(JSON.readTree(("{" + c[1] + "}").replace('\'', '"')).get("name").asText());
                    try (Tensor same = l.call(in)) {
                        assertArrayEquals(x, same.toFloatArray(), 0f, c[0]);
                    }
                }
                kdnn.io.Models.save(m, dir.resolve("m.keras"));
                try (var back = kdnn.io.Models.load(dir.resolve("m.keras")); Tensor y2 = back.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), y2.toFloatArray(), 0f);
                    assertEquals(m.summary(), back.summary());
                }
            }
        }
    }

    @Test
    void configsWriteBackAsRead() throws Exception {
        for (String[] c : CONFIGS) {
            try (Layer a = layer(c[0], c[1]); Layer b = Layers.fromConfig(Layers.toConfig(a))) {
                assertEquals(Layers.toConfig(a), Layers.toConfig(b), c[0]);
                assertEquals(c[0], a.className());
                assertKeepsArguments(c, Layers.toConfig(a).get("config"));
            }
        }
    }

    /** Every argument the case gives is in the written config, numbers as numbers. */
    private static void assertKeepsArguments(String[] c, com.fasterxml.jackson.databind.JsonNode config) throws Exception {
        JSON.readTree(("{" + c[1] + "}").replace('\'', '"')).properties().forEach(e ->
                assertEquals(e.getValue().isNumber() ? e.getValue().asDouble() : e.getValue(),
                        e.getValue().isNumber() ? config.get(e.getKey()).asDouble() : config.get(e.getKey()),
                        c[0] + " " + e.getKey()));
    }

    /** Keras 3's later augmentation layers, in the forms Keras 3 writes (factor pairs, kernel_size pairs). */
    private static final String[][] KERAS3 = {
            {"RandomGrayscale", "'name':'gray','factor':0.3"},
            {"RandomHue", "'name':'hue','factor':[0.0,0.2],'value_range':[0,255],'seed':null"},
            {"RandomSaturation", "'name':'sat','factor':[-0.3,0.3],'value_range':[0,1],'seed':4"},
            {"RandomSharpness", "'name':'sharp','factor':[0.0,0.5],'value_range':[0,255],'seed':null"},
            {"RandomShear", "'name':'shear','x_factor':[-0.1,0.1],'y_factor':0.2,'fill_mode':'constant',"
                    + "'interpolation':'nearest','seed':null,'fill_value':0.0,'data_format':'channels_last'"},
            {"RandomPosterization", "'name':'poster','factor':[1,4],'value_range':[0,255],'seed':null"},
            {"RandomColorJitter", "'name':'jitter','value_range':[0,255],'brightness_factor':0.2,'contrast_factor':null,"
                    + "'saturation_factor':[0.1,0.5],'hue_factor':null,'seed':null"},
            {"RandomColorDegeneration", "'name':'degen','factor':[0.0,0.5],'value_range':[0,255],'seed':null"},
            {"RandomInvert", "'name':'invert','factor':[0.0,0.5],'value_range':[0,255],'seed':null"},
            {"RandomPerspective", "'name':'persp','factor':[0.0,1.0],'scale':0.5,'interpolation':'bilinear',"
                    + "'fill_value':0.0,'seed':null"},
            {"RandomElasticTransform", "'name':'elastic','factor':[0.0,1.0],'scale':[0.0,0.5],'interpolation':'bilinear',"
                    + "'fill_mode':'mirror','fill_value':0.0,'value_range':[0,255],'seed':null"},
            {"RandomGaussianBlur", "'name':'blur','factor':[0.0,1.0],'kernel_size':[5,5],'sigma':[0.0,1.0],"
                    + "'value_range':[0,255],'seed':null"},
            {"RandomErasing", "'name':'erase','factor':[0.0,1.0],'scale':[0.02,0.33],'fill_value':null,"
                    + "'value_range':[0,255],'seed':null"},
            {"Solarization", "'name':'solar','value_range':[0,255],'addition_factor':[0.0,0.1],"
                    + "'threshold_factor':[0.0,0.2],'seed':null"},
            {"Equalization", "'name':'equal','bins':128,'value_range':[0,255]"},
            {"MixUp", "'name':'mixup','alpha':0.2,'seed':null"},
            {"CutMix", "'name':'cutmix','factor':[0.0,1.0],'seed':null"},
            {"AugMix", "'name':'augmix','value_range':[0,255],'num_chains':3,'chain_depth':3,'factor':[0.0,0.3],"
                    + "'alpha':1.0,'all_ops':true,'interpolation':'bilinear','seed':null"},
            {"RandAugment", "'name':'randaug','value_range':[0,255],'num_ops':2,'factor':[0.0,0.5],"
                    + "'interpolation':'bilinear','seed':null"}};

    @Test
    void keras3sLaterAugmentationsAreLeftOutAtInference(@TempDir Path dir) throws Exception {
        Layer conv = Layers.fromConfig(JSON.readTree(
                "{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"conv\",\"filters\":3,\"kernel_size\":3}}"));
        List<Layer> layers = new java.util.ArrayList<>();
        for (String[] c : KERAS3) layers.add(layer(c[0], c[1]));
        layers.add(conv);
        try (Sequential m = Sequential.of("augmented3", layers, -1, 7, 7, 3)) {
            float[] x = new float[2 * 7 * 7 * 3];
            for (int i = 0; i < x.length; i++) x[i] = (i * 37) % 256;
            try (Tensor in = Tensor.of(x, 2, 7, 7, 3); Tensor y = m.predict(in); Tensor want = conv.call(in)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
                for (String[] c : KERAS3) {
                    Layer l = m.layer(JSON.readTree(("{" + c[1] + "}").replace('\'', '"')).get("name").asText());
                    try (Tensor same = l.call(in); Layer again = Layers.fromConfig(Layers.toConfig(l))) {
                        assertArrayEquals(x, same.toFloatArray(), 0f, c[0]);
                        assertEquals(Layers.toConfig(l), Layers.toConfig(again), c[0]);
                        assertKeepsArguments(c, Layers.toConfig(l).get("config"));
                    }
                }
                kdnn.io.Models.save(m, dir.resolve("m.keras"));
                try (var back = kdnn.io.Models.load(dir.resolve("m.keras")); Tensor y2 = back.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), y2.toFloatArray(), 0f);
                }
                // tf.keras has none of them: a Keras 2 file cannot hold them
                var h5 = assertThrows(IllegalArgumentException.class, () -> kdnn.io.Models.save(m, dir.resolve("m.h5")));
                assertTrue(h5.getMessage().contains("Keras 3's class"), h5.getMessage());
            }
        }
    }

    @Test
    void tfKerasRandomHeightAndWidthAreLeftOutAtInference(@TempDir Path dir) throws Exception {
        Layer height = layer("RandomHeight", "'name':'height','factor':[-0.2,0.3],'interpolation':'bicubic','seed':null");
        Layer width = layer("RandomWidth", "'name':'width','factor':0.2");
        Layer conv = Layers.fromConfig(JSON.readTree(
                "{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"conv\",\"filters\":2,\"kernel_size\":3}}"));
        try (Sequential m = Sequential.of("resized", List.of(height, width, conv), -1, 6, 5, 3)) {
            float[] x = new float[6 * 5 * 3];
            for (int i = 0; i < x.length; i++) x[i] = i % 17;
            try (Tensor in = Tensor.of(x, 1, 6, 5, 3); Tensor y = m.predict(in); Tensor want = conv.call(in)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
                assertEquals("bilinear", Layers.toConfig(width).get("config").get("interpolation").asText());
                kdnn.io.Models.save(m, dir.resolve("m.h5"));
                try (var back = kdnn.io.Models.load(dir.resolve("m.h5")); Tensor y2 = back.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), y2.toFloatArray(), 0f);
                }
                var keras3 = assertThrows(IllegalArgumentException.class, () -> kdnn.io.Models.save(m, dir.resolve("m.keras")));
                assertTrue(keras3.getMessage().contains("Keras 2's class RandomHeight"), keras3.getMessage());
            }
        }
        var bad = assertThrows(IllegalArgumentException.class, () -> layer("RandomWidth", "'factor':0.2,'interpolation':'cubic'"));
        assertTrue(bad.getMessage().contains("interpolation"), bad.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> layer("RandomHeight", "'seed':1"));
        assertTrue(missing.getMessage().contains("factor"), missing.getMessage());
    }

    @Test
    void keras3sLaterAugmentationsRefuseWhatKerasRefuses() throws Exception {
        String[][] refused = {
                {"RandomHue", "'value_range':[0,255]", "needs the argument `factor`"},
                {"RandomGaussianBlur", "'kernel_size':4", "odd"},
                {"RandomGaussianBlur", "'kernel_size':[3,5,7]", "`kernel_size`"},
                {"RandomShear", "'fill_mode':'mirror'", "Unknown `fill_mode`"},
                {"RandomPerspective", "'interpolation':'bicubic'", "Unknown `interpolation`"},
                {"RandomColorJitter", "'hue_factor':'x'", "hue_factor"},
                {"Solarization", "'addition_factor':[0.1,0.2,0.3]", "addition_factor"},
                {"Equalization", "'bins':'many'", "bins"},
                {"RandomErasing", "'fill_value':'gray'", "fill_value"},
                {"AugMix", "'all_ops':3", "all_ops"},
                {"MixUp", "'alpha':'x'", "alpha"},
                {"RandomGrayscale", "'factor':0.5,'probability':0.5", "probability"}};
        for (String[] c : refused) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0], c[1]), c[0] + " " + c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        // defaults Keras fills in
        try (Layer gray = layer("RandomGrayscale", "'name':'g'"); Layer blur = layer("RandomGaussianBlur", "'kernel_size':5")) {
            assertEquals(0.5, Layers.toConfig(gray).get("config").get("factor").asDouble());
            assertEquals("[5,5]", Layers.toConfig(blur).get("config").get("kernel_size").toString());
        }
    }

    @Test
    void kerasRefusalsStand() throws Exception {
        String[][] refused = {
                {"RandomFlip", "'mode':'diagonal'", "unknown mode argument"},
                {"RandomRotation", "'factor':0.1,'fill_mode':'mirror'", "Unknown `fill_mode`"},
                {"RandomRotation", "'factor':0.1,'interpolation':'bicubic'", "Unknown `interpolation`"},
                {"RandomRotation", "'fill_mode':'reflect'", "needs the argument `factor`"},
                {"RandomZoom", "'height_factor':[0.3,-0.3,0.1]", "should be a number (or a list of two numbers)"},
                {"RandomTranslation", "'height_factor':0.1", "needs the argument `width_factor`"},
                {"RandomContrast", "'factor':'strong'", "should be a number"},
                {"RandomBrightness", "'factor':0.2,'value_range':[0]", "`value_range`"},
                {"RandomFlip", "'mode':'horizontal','rate':0.5", "rate"}};
        for (String[] c : refused) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0], c[1]), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        try (Layer l = layer("RandomFlip", "'mode':'horizontal'")) {
            var rank = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 8}));
            assertTrue(rank.getMessage().contains("ndim=4"), rank.getMessage());
        }
    }
}
