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
                var config = Layers.toConfig(a).get("config");
                JSON.readTree(("{" + c[1] + "}").replace('\'', '"')).properties().forEach(e ->
                        assertEquals(e.getValue().isNumber() ? e.getValue().asDouble() : e.getValue(),
                                e.getValue().isNumber() ? config.get(e.getKey()).asDouble() : config.get(e.getKey()),
                                c[0] + " " + e.getKey()));
            }
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
