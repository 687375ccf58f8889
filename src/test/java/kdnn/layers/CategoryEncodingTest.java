package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CategoryEncoding against its definition written out (one_hot, multi_hot, count over random
 * indices), on an integer model input as tf.keras' structured-data models feed it; Keras' refusals
 * and the file forms.
 */
class CategoryEncodingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'CategoryEncoding','config':{" + config + "}}")
                .replace('\'', '"')));
    }

    @Test
    void encodesAsKerasDefinesIt() throws Exception {
        Random r = new Random(8);
        for (String mode : List.of("one_hot", "multi_hot", "count", "binary")) {
            for (int trial = 0; trial < 20; trial++) {
                int tokens = 1 + r.nextInt(6), batch = 1 + r.nextInt(4);
                int n = mode.equals("one_hot") ? 1 : 1 + r.nextInt(5);
                boolean rank1 = mode.equals("one_hot") && r.nextBoolean();
                float[] x = new float[batch * n];
                for (int i = 0; i < x.length; i++) x[i] = r.nextInt(tokens);
                float[] want = new float[batch * tokens];
                for (int s = 0; s < batch; s++) {
                    for (int i = 0; i < n; i++) {
                        int at = s * tokens + (int) x[s * n + i];
                        want[at] = mode.equals("count") ? want[at] + 1 : 1;
                    }
                }
                try (Layer l = layer("'num_tokens':" + tokens + ",'output_mode':'" + mode + "'");
                     Tensor in = rank1 ? Tensor.of(x, batch) : Tensor.of(x, batch, n); Tensor out = l.call(in)) {
                    assertArrayEquals(new long[] {batch, tokens}, out.shape());
                    assertArrayEquals(want, out.toFloatArray(), 0f, mode + " " + java.util.Arrays.toString(x));
                }
            }
        }
    }

    @Test
    void refusesWhatKerasRefuses() throws Exception {
        String[][] refused = {
                {"'output_mode':'multi_hot'", "num_tokens must be set"},
                {"'num_tokens':0", "`num_tokens` must be >= 1"},
                {"'num_tokens':3,'output_mode':'tf_idf'", "Unknown arg for output_mode: tf_idf"},
                {"'num_tokens':3,'sparse':true", "sparse"}};
        for (String[] c : refused) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        try (Layer l = layer("'num_tokens':3,'output_mode':'count'"); Tensor bad = Tensor.of(new float[] {0, 3}, 1, 2);
             Tensor half = Tensor.of(new float[] {0.5f, 1}, 1, 2); Tensor flat = Tensor.of(new float[] {0, 1}, 2)) {
            var range = assertThrows(IllegalArgumentException.class, () -> l.call(bad));
            assertTrue(range.getMessage().contains("value 3.0 at position 1"), range.getMessage());
            assertThrows(IllegalArgumentException.class, () -> l.call(half));
            var rank1 = assertThrows(IllegalArgumentException.class, () -> l.call(flat));
            assertTrue(rank1.getMessage().contains("(batch, n)"), rank1.getMessage());
            // usable after a refusal
            try (Tensor ok = Tensor.of(new float[] {2, 2, 0}, 1, 3); Tensor y = l.call(ok)) {
                assertArrayEquals(new float[] {1, 0, 2}, y.toFloatArray(), 0f);
            }
        }
        try (Layer oneHot = layer("'num_tokens':3,'output_mode':'one_hot'")) {
            var rank3 = assertThrows(IllegalArgumentException.class, () -> oneHot.build(-1, 4));
            assertTrue(rank3.getMessage().contains("maximum supported output rank is 2"), rank3.getMessage());
        }
    }

    @Test
    void readsAnIntegerInputAndKeepsItsFileForms(@TempDir Path dir) throws Exception {
        KerasTensor ids = KerasTensor.input(InputLayer.of("ids", "int64", -1, 3));
        Layer encode = layer("'name':'encode','num_tokens':4,'output_mode':'count'");
        Layer dense = Layers.fromConfig(JSON.readTree(
                "{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\",\"units\":2}}"));
        KerasTensor y = dense.apply(encode.apply(ids));
        try (Functional m = Functional.of("categories", List.of(ids), List.of(y))) {
            try (Tensor in = Tensor.of(new float[] {1, 1, 3, 0, 2, 2}, 2, 3); Tensor out = m.predict(in)) {
                for (String file : List.of("m.h5", "m.keras", "tfjs")) {
                    kdnn.io.Models.save(m, dir.resolve(file));
                    try (var back = kdnn.io.Models.load(dir.resolve(file)); Tensor again = back.predict(in)) {
                        assertArrayEquals(out.toFloatArray(), again.toFloatArray(), 0f, file);
                        assertEquals("count", back.layer("encode").getConfig().get("output_mode").asText(), file);
                    }
                }
            }
        }
    }
}
