package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
