package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model with LayerNormalization computes as its layers one by one, and every format writes and reads it back. */
class LayerNormalizationFilesTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Test
    void inAModelAndInEveryFormat(@TempDir Path dir) throws Exception {
        Layer conv = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"conv\",\"filters\":6,"
                + "\"kernel_size\":3,\"padding\":\"same\"}}"));
        Layer norm = Layers.fromConfig(JSON.readTree("{\"class_name\":\"LayerNormalization\",\"config\":{\"name\":\"ln\","
                + "\"axis\":[1,2,3],\"epsilon\":1e-6}}"));
        Layer dense = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Dense\",\"config\":{\"name\":\"fc\",\"units\":3}}"));
        try (Sequential m = Sequential.of("ln_model", List.of(conv, norm, dense), -1, 5, 5, 2)) {
            Fixtures.setDistinctWeights(norm);
            float[] x = new float[2 * 5 * 5 * 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i) * 3;
            try (Tensor in = Tensor.of(x, 2, 5, 5, 2); Tensor y = m.predict(in); Tensor a = conv.call(in);
                 Tensor b = norm.call(a); Tensor want = dense.call(b)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 1e-6f);
                Fixtures.everyFormat(m, dir, in, (file, back, got) ->
                        assertEquals(norm.getWeights(), back.layer("ln").getWeights(), file));
            }
        }
    }

    /**
     * Keras 3's RMSNormalization and LayerNormalization's rms_scaling: a .keras file holds them and
     * reads back bitwise; Keras 2's formats (.h5, TF.js), whose Keras has neither, are refused before
     * anything is written.
     */
    @Test
    void keras3NormalizationsInDotKerasOnly(@TempDir Path dir) throws Exception {
        Layer conv = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv1D\",\"config\":{\"name\":\"conv\",\"filters\":6,"
                + "\"kernel_size\":3}}"));
        Layer rms = Layers.fromConfig(JSON.readTree("{\"class_name\":\"RMSNormalization\",\"config\":{\"name\":\"rms\","
                + "\"epsilon\":1e-5}}"));
        Layer ln = Layers.fromConfig(JSON.readTree("{\"class_name\":\"LayerNormalization\",\"config\":{\"name\":\"ln\","
                + "\"rms_scaling\":true}}"));
        try (Sequential m = Sequential.of("rms_model", List.of(conv, rms, ln), -1, 9, 2)) {
            Fixtures.setDistinctWeights(rms);
            Fixtures.setDistinctWeights(ln);
            float[] x = new float[2 * 9 * 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.7) * 2;
            try (Tensor in = Tensor.of(x, 2, 9, 2); Tensor want = m.predict(in)) {
                Path keras = dir.resolve("m.keras");
                Models.save(m, keras);
                try (kdnn.model.Model back = Models.load(keras); Tensor got = back.predict(in)) {
                    assertArrayEquals(want.toFloatArray(), got.toFloatArray());
                    assertEquals(rms.getWeights(), back.layer("rms").getWeights());
                    assertEquals(ln.getWeights(), back.layer("ln").getWeights());
                }
                for (String file : List.of("m.h5", "tfjs")) {
                    var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve(file)));
                    assertTrue(e.getMessage().contains("RMSNormalization") && e.getMessage().contains("Save it as .keras"),
                            e.getMessage());
                    assertTrue(!java.nio.file.Files.exists(dir.resolve(file)), file + " was written");
                }
            }
        }
    }
}
