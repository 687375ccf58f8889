package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.model.Model;
import kdnn.reference.ReferenceOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tf.keras' {@code tf.math.reduce_logsumexp} and Keras 3's {@code ops.logsumexp} over one axis or several, against
 * the function written out in double ({@code ReferenceOperations.logSumExp}): values far past exp's range, slices of
 * -inf, +inf and NaN; through both formats; axis=None and the batch axis refused.
 */
class LogSumExpTest {
    private static final float INF = Float.POSITIVE_INFINITY;

    private static void assertClose(double[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < got.length; i++) {
            if (Double.isNaN(want[i]) || Double.isInfinite(want[i])) assertEquals((float) want[i], got[i], 0f, "at " + i);
            else assertEquals(want[i], got[i], 2e-6 * Math.max(1, Math.abs(want[i])), "at " + i);
        }
    }

    @Test
    void theLastAxisAsTensorFlowComputesIt(@TempDir Path dir) throws Exception {
        float[] x = {
            1, 2, 3, 4, 5,
            1000, 999, 998, -1000, 0,       // exp(1000) overflows a float: the maximum comes out first
            -INF, -INF, -INF, -INF, -INF,   // -inf
            -INF, 3, INF, 0, 1,             // +inf
            Float.NaN, 1, 2, 3, INF,        // NaN
            -1e30f, -1e30f, -2e30f, 5e-40f, 0, // huge negative beside a subnormal
        };
        String tf = TfKerasOps.model(TfKerasOps.input("[null, 5]") + ", "
                + TfKerasOps.lambda("out", "math.reduce_logsumexp", "x", "{'axis': -1, 'keepdims': false, 'name': null}"), "out");
        try (Model m = Models.load(Files.writeString(dir.resolve("tf.json"), tf)); Tensor in = Tensor.of(x, 6, 5);
             Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {6}, y.shape());
            float[] got = y.toFloatArray();
            assertClose(ReferenceOperations.logSumExp(x, 6, 5, 1), got);
            assertEquals(1000 + Math.log(1 + Math.exp(-1) + Math.exp(-2)), got[1], 1e-3);
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5", "m.keras"));
        }
    }

    @Test
    void severalAxesKeptAsKeras3Does(@TempDir Path dir) throws Exception {
        Random r = new Random(9);
        float[] x = new float[3 * 4 * 5 * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 30);
        String k3 = Keras3Ops.model("[null, 4, 5, 2]", "out", List.of(new Keras3Ops.Op("out", "math", "Logsumexp",
                "{'name': 'out', 'axis': [1, 2], 'keepdims': true}", Keras3Ops.tensor("x"))));
        try (Model m = Models.load(Files.writeString(dir.resolve("k3.json"), k3)); Tensor in = Tensor.of(x, 3, 4, 5, 2);
             Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {3, 1, 1, 2}, y.shape());
            assertClose(ReferenceOperations.logSumExp(x, 3, 20, 2), y.toFloatArray());
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras", "m.h5"));
        }
    }

    @Test
    void manySlicesSplitOverTheTeam(@TempDir Path dir) throws Exception {
        Random r = new Random(12);
        float[] x = new float[2 * 32 * 32 * 16];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 10);
        String tf = TfKerasOps.model(TfKerasOps.input("[null, 32, 32, 16]") + ", "
                + TfKerasOps.lambda("out", "math.reduce_logsumexp", "x", "{'axis': 3, 'name': null}"), "out");
        try (Model m = Models.load(Files.writeString(dir.resolve("many.json"), tf)); Tensor in = Tensor.of(x, 2, 32, 32, 16);
             Tensor y = m.predict(in)) {
            assertClose(ReferenceOperations.logSumExp(x, 2 * 32 * 32, 16, 1), y.toFloatArray());
        }
    }

    @Test
    void refusals(@TempDir Path dir) throws Exception {
        String[][] cases = {{"{'keepdims': false, 'name': null}", "axis=None"},
                {"{'axis': 0, 'name': null}", "batch axis"},
                {"{'axis': [1, 1], 'name': null}", "twice"},
                {"{'axis': 3, 'name': null}", "Invalid reduction dimension 3"}};
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("bad.json"), TfKerasOps.model(TfKerasOps.input("[null, 4, 2]") + ", "
                    + TfKerasOps.lambda("out", "math.reduce_logsumexp", "x", c[0]), "out"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
