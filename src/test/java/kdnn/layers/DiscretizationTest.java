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
 * Discretization: TensorFlow's Bucketize example, ties, infinities and NaN, the encoded output
 * modes, Keras' refusals, and a model reading its bins through an Embedding, in each file format.
 */
class DiscretizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'Discretization','config':{" + config + "}}")
                .replace('\'', '"')));
    }

    @Test
    void bucketsAsTensorFlowsBucketizeDoes() throws Exception {
        // TensorFlow's Bucketize docs: boundaries [0, 10, 100], input [[-5, 10000], [150, 10], [5, 100]] -> [[0, 3], [3, 2], [1, 3]]
        try (Layer l = layer("'bin_boundaries':[0.0,10.0,100.0]");
             Tensor in = Tensor.of(new float[] {-5, 10000, 150, 10, 5, 100}, 3, 2); Tensor out = l.call(in)) {
            assertArrayEquals(new float[] {0, 3, 3, 2, 1, 3}, out.toFloatArray(), 0f);
        }
        float inf = Float.POSITIVE_INFINITY;
        try (Layer l = layer("'bin_boundaries':[-1.5,0.0,0.0,2.0],'dtype':'int64'");
             Tensor in = Tensor.of(new float[] {-inf, -1.5f, -1.6f, 0, 1.9f, 2, inf, Float.NaN}, 2, 2, 2);
             Tensor out = l.call(in)) {
            assertArrayEquals(new long[] {2, 2, 2}, out.shape());
            assertArrayEquals(new float[] {0, 1, 0, 3, 3, 4, 4, 4}, out.toFloatArray(), 0f);
        }
        try (Layer l = layer("'bin_boundaries':[0.5],'output_mode':'count'");
             Tensor in = Tensor.of(new float[] {0, 1, 2, 0.25f, 0.75f, 0.5f}, 2, 3); Tensor out = l.call(in)) {
            assertArrayEquals(new float[] {1, 2, 1, 2}, out.toFloatArray(), 0f);
        }
        try (Layer l = layer("'bin_boundaries':[0.5,1.5],'output_mode':'one_hot'");
             Tensor in = Tensor.of(new float[] {2, 0}, 2, 1); Tensor out = l.call(in)) {
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, out.toFloatArray(), 0f);
        }
    }

    @Test
    void refusesWhatKerasRefusesAndWhatKdnnCannotAdapt() throws Exception {
        String[][] refused = {
                {"'num_bins':4", "adapt"},
                {"'bin_boundaries':[1.0,0.0]", "sorted"},
                {"'bin_boundaries':[0.0,1.0],'num_bins':5", "num_bins"},
                {"'bin_boundaries':[0.0],'output_mode':'tf_idf'", "output_mode"},
                {"'bin_boundaries':[0.0],'sparse':true", "sparse"}};
        for (String[] c : refused) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void aModelEmbedsItsBinsInEveryFormat(@TempDir Path dir) throws Exception {
        Layer bins = layer("'name':'bins','bin_boundaries':[0.0,1.0,2.0]");
        Layer embed = Layers.fromConfig(JSON.readTree(
                "{\"class_name\":\"Embedding\",\"config\":{\"name\":\"embed\",\"input_dim\":4,\"output_dim\":2}}"));
        try (Sequential m = Sequential.of("binned", List.of(bins, embed), -1, 3)) {
            try (Tensor in = Tensor.of(new float[] {-1, 0.5f, 7, 1, 2, 1.5f}, 2, 3); Tensor out = m.predict(in)) {
                assertArrayEquals(new long[] {2, 3, 2}, out.shape());
                for (String file : List.of("m.h5", "m.keras")) {
                    kdnn.io.Models.save(m, dir.resolve(file));
                    try (var back = kdnn.io.Models.load(dir.resolve(file)); Tensor again = back.predict(in)) {
                        assertArrayEquals(out.toFloatArray(), again.toFloatArray(), 0f, file);
                        assertEquals("[0.0,1.0,2.0]", back.layer("bins").getConfig().get("bin_boundaries").toString());
                    }
                }
            }
        }
    }
}
