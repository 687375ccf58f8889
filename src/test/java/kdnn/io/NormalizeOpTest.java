package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Keras 3's {@code ops.normalize(x, axis, order=2, epsilon)}: {@code x * min(rsqrt(sum(x * x)), 1 / epsilon)}
 * per slice as Keras computes its L2 case, against that formula in double (a zero row stays 0, a
 * tiny one is scaled by 1 / epsilon, a NaN makes its row NaN); over one axis and two, Keras'
 * epsilon and a given one; through {@code .keras}; refused by the Keras 2 formats, and for other orders.
 */
class NormalizeOpTest {
    private static String model(String config) {
        return Keras3Ops.model("[null, 3, 4]", "n", List.of(new Keras3Ops.Op("n", "nn", "Normalize", config,
                Keras3Ops.tensor("x"))));
    }

    private static float[] expected(float[] x, int slices, int length, double epsilon) {
        float[] want = new float[x.length];
        for (int s = 0; s < slices; s++) {
            double sum = 0;
            for (int k = 0; k < length; k++) sum += (double) x[s * length + k] * x[s * length + k];
            double scale = Double.isNaN(sum) ? Double.NaN : Math.min(1 / Math.sqrt(sum), (float) (1 / epsilon));
            for (int k = 0; k < length; k++) want[s * length + k] = (float) (x[s * length + k] * scale);
        }
        return want;
    }

    @Test
    void asKerasComputesItsL2Case(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 3 * 4];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 1.3) * 2;
        for (int i = 4; i < 8; i++) x[i] = 0; // a zero row
        for (int i = 8; i < 12; i++) x[i] = 1e-9f; // a row below epsilon
        x[13] = Float.NaN;
        String[][] cases = {{"{'name': 'n', 'axis': -1, 'order': 2, 'epsilon': null}", "1e-7", "6", "4"},
                {"{'name': 'n', 'axis': [1, 2], 'order': 2, 'epsilon': 1e-3}", "1e-3", "2", "12"}};
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("n.json"), model(c[0]));
            try (Model m = Models.load(p); Tensor in = Tensor.of(x, 2, 3, 4); Tensor y = m.predict(in)) {
                float[] want = expected(x, Integer.parseInt(c[2]), Integer.parseInt(c[3]), Double.parseDouble(c[1]));
                float[] got = y.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    if (Float.isNaN(want[i])) {
                        assertTrue(Float.isNaN(got[i]), c[0] + " at " + i);
                    } else {
                        assertEquals(want[i], got[i], 2e-7 * Math.max(1, Math.abs(want[i])), c[0] + " at " + i);
                    }
                }
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras"));
                for (String to : List.of("m.h5", "tfjs")) {
                    var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve(to)));
                    assertTrue(e.getMessage().contains("ops.normalize"), e.getMessage());
                    assertFalse(Files.exists(dir.resolve(to)));
                }
            }
        }
        // the zero row stays 0, the tiny one is scaled by 1 / epsilon
        try (Model m = Models.load(Files.writeString(dir.resolve("d.json"), model("{'name': 'n'}")));
             Tensor in = Tensor.of(x, 2, 3, 4); Tensor y = m.predict(in)) {
            assertArrayEquals(new float[] {0, 0, 0, 0}, java.util.Arrays.copyOfRange(y.toFloatArray(), 4, 8), 0f);
            assertEquals(1e-9f * 1e7f, y.toFloatArray()[8], 1e-7f);
        }
    }

    @Test
    void otherOrdersAreRefused(@TempDir Path dir) throws Exception {
        String[][] cases = {{"{'name': 'n', 'order': 1}", "order=1 is not supported"},
                {"{'name': 'n', 'order': 0}", "Argument `order` must be an int >= 1. Received: order=0"},
                {"{'name': 'n', 'epsilon': -1.0}", "epsilon"}};
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("bad.json"), model(c[0]));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
