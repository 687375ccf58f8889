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
 * Keras 3's {@code ops.moveaxis} and {@code ops.swapaxes}, read as the Permute of NumPy's permutation
 * (worked out from the tensor's rank in the file): against the transpose written out here, one axis
 * and several, negative axes; the batch axis moved, and axes out of range, refused.
 */
class MoveaxisOpTest {
    private static String model(String cls, String config) {
        String shaped = "{'class_name': '__keras_tensor__', 'config': {'shape': [null, 2, 3, 4], 'dtype': 'float32',"
                + " 'keras_history': ['x', 0, 0]}}";
        return Keras3Ops.model("[null, 2, 3, 4]", "m", List.of(new Keras3Ops.Op("m", "numpy", cls, config, shaped)));
    }

    /** x (n, 2, 3, 4) transposed by {@code perm} (NumPy's: output axis a is input axis perm[a]). */
    private static float[] transposed(float[] x, int n, int[] perm) {
        int[] in = {n, 2, 3, 4};
        int[] out = new int[4];
        for (int a = 0; a < 4; a++) out[a] = in[perm[a]];
        float[] y = new float[x.length];
        int[] o = new int[4];
        for (int k = 0; k < y.length; k++) {
            int rest = k;
            for (int a = 3; a >= 0; a--) {
                o[a] = rest % out[a];
                rest /= out[a];
            }
            int[] i = new int[4];
            for (int a = 0; a < 4; a++) i[perm[a]] = o[a];
            y[k] = x[((i[0] * 2 + i[1]) * 3 + i[2]) * 4 + i[3]];
        }
        return y;
    }

    @Test
    void asNumPyPermutes(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 24];
        for (int i = 0; i < x.length; i++) x[i] = i;
        String[][] cases = {
            {"Moveaxis", "{'name': 'm', 'source': 1, 'destination': -1}", "0,2,3,1"},
            {"Moveaxis", "{'name': 'm', 'source': [3, 1], 'destination': [1, 2]}", "0,3,1,2"},
            {"Swapaxes", "{'name': 'm', 'axis1': -1, 'axis2': 1}", "0,3,2,1"},
        };
        for (String[] c : cases) {
            int[] perm = java.util.Arrays.stream(c[2].split(",")).mapToInt(Integer::parseInt).toArray();
            try (Model m = Models.load(Files.writeString(dir.resolve("m.json"), model(c[0], c[1])));
                 Tensor in = Tensor.of(x, 2, 2, 3, 4); Tensor y = m.predict(in)) {
                assertEquals("Permute", m.allLayers().get(m.allLayers().size() - 1).className());
                assertArrayEquals(transposed(x, 2, perm), y.toFloatArray(), 0f, c[1]);
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras", "m.h5"));
            }
        }
        String[][] refused = {{"Moveaxis", "{'name': 'm', 'source': 0, 'destination': 2}", "batch"},
                {"Swapaxes", "{'name': 'm', 'axis1': 1, 'axis2': 4}", "not an axis of a tensor of rank 4"},
                {"Moveaxis", "{'name': 'm', 'source': [1, 1], 'destination': [2, 3]}", "none repeated"}};
        for (String[] c : refused) {
            Path p = Files.writeString(dir.resolve("bad.json"), model(c[0], c[1]));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }
}
