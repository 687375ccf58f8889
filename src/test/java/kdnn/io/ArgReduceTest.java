package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tf.keras' {@code tf.math.argmax} / {@code argmin} and Keras 3's {@code ops.argmax} / {@code ops.argmin}
 * along one axis, against TensorFlow's CPU kernel written out ({@code ReferenceOperations.argReduce}: a scan
 * from index 0 holding the lowest float that takes only a strictly larger value; Keras 3 first turns -0.0
 * into minus the smallest normal): ties, NaN, infinities and signed zeros; the last axis and a middle one; keepdims; each through
 * the format that holds it and refused by the one that would change it; axis=None, the batch axis and
 * other index types refused.
 */
class ArgReduceTest {
    private static final float NAN = Float.NaN;
    private static final float INF = Float.POSITIVE_INFINITY;

    private static float[] expected(float[] x, int outer, int length, int inner, boolean max, boolean signed) {
        return kdnn.reference.ReferenceOperations.argReduce(x, outer, length, inner, max, signed);
    }

    // rows of four: a tie, NaN first, NaN everywhere, -inf only, +inf, signed zeros both ways, subnormals
    private static final float[] ROWS = {
        1, 3, 3, 2,
        NAN, 1, 5, 5,
        NAN, NAN, NAN, NAN,
        -INF, -INF, -INF, -INF,
        NAN, -INF, -2, INF,
        0f, -0f, -0f, 0f,
        -0f, 0f, -1, -0f,
        -Float.MAX_VALUE, NAN, -INF, -Float.MAX_VALUE,
        Float.MIN_VALUE, -0f, 0f, -Float.MIN_VALUE,
        INF, NAN, -INF, INF,
    };

    @Test
    void theLastAxisAsTensorFlowComputesIt(@TempDir Path dir) throws Exception {
        for (String fn : List.of("argmax", "argmin")) {
            boolean max = fn.equals("argmax");
            String tf = TfKerasOps.model(TfKerasOps.input("[null, 4]") + ", "
                    + TfKerasOps.lambda("out", "math." + fn, "x", "{'axis': -1, 'output_type': 'int64', 'name': null}"), "out");
            int rows = ROWS.length / 4;
            try (Model m = Models.load(Files.writeString(dir.resolve(fn + ".json"), tf)); Tensor in = Tensor.of(ROWS, rows, 4);
                 Tensor y = m.predict(in)) {
                assertArrayEquals(new long[] {rows}, y.shape());
                float[] want = expected(ROWS, rows, 4, 1, max, false);
                assertArrayEquals(want, y.toFloatArray(), 0f, fn);
                // the rule's corners, by hand: a tie goes first, NaN never wins, nothing above the lowest float gives 0
                assertTrue(want[0] == (max ? 1 : 0) && want[2] == 0 && want[5] == 0, fn);
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5"));
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
                assertTrue(e.getMessage().contains("-0.0"), e.getMessage());
                assertFalse(Files.exists(dir.resolve("m.keras")));
            }
            // Keras 3: -0.0 below 0.0
            String k3 = Keras3Ops.model("[null, 4]", "out", List.of(new Keras3Ops.Op("out", "numpy",
                    max ? "Argmax" : "Argmin", "{'name': 'out', 'axis': -1, 'keepdims': false}", Keras3Ops.tensor("x"))));
            try (Model m = Models.load(Files.writeString(dir.resolve(fn + "3.json"), k3)); Tensor in = Tensor.of(ROWS, rows, 4);
                 Tensor y = m.predict(in)) {
                float[] want = expected(ROWS, rows, 4, 1, max, true);
                assertArrayEquals(want, y.toFloatArray(), 0f, fn);
                assertTrue(max ? want[5] == 0 && want[6] == 1 : want[5] == 1 && want[6] == 2, fn);
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m3.keras"));
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m3.h5")));
                assertTrue(e.getMessage().contains("-0.0"), e.getMessage());
                assertFalse(Files.exists(dir.resolve("m3.h5")));
            }
        }
    }

    @Test
    void aMiddleAxisWithKeepdims(@TempDir Path dir) throws Exception {
        Random random = new Random(14);
        float[] x = new float[3 * 5 * 6 * 2];
        for (int i = 0; i < x.length; i++) x[i] = random.nextInt(7) - 3; // many ties
        x[7] = NAN;
        for (String cls : List.of("Argmax", "Argmin")) {
            String k3 = Keras3Ops.model("[null, 5, 6, 2]", "out", List.of(new Keras3Ops.Op("out", "numpy", cls,
                    "{'name': 'out', 'axis': 2, 'keepdims': true}", Keras3Ops.tensor("x"))));
            try (Model m = Models.load(Files.writeString(dir.resolve(cls + ".json"), k3)); Tensor in = Tensor.of(x, 3, 5, 6, 2);
                 Tensor y = m.predict(in)) {
                assertArrayEquals(new long[] {3, 5, 1, 2}, y.shape());
                assertArrayEquals(expected(x, 15, 6, 2, cls.equals("Argmax"), true), y.toFloatArray(), 0f, cls);
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras"));
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("k.h5")));
                assertTrue(e.getMessage().contains("keepdims"), e.getMessage());
            }
        }
    }

    @Test
    void aClassMapSplitOverTheTeam(@TempDir Path dir) throws Exception {
        // a segmentation head's per-pixel class: 2 x 48 x 48 pixels of 21 scores, a few NaN among them
        Random random = new Random(21);
        float[] x = new float[2 * 48 * 48 * 21];
        for (int i = 0; i < x.length; i++) x[i] = i % 997 == 0 ? NAN : (float) random.nextGaussian();
        String tf = TfKerasOps.model(TfKerasOps.input("[null, 48, 48, 21]") + ", "
                + TfKerasOps.lambda("out", "math.argmax", "x", "{'axis': 3, 'name': null}"), "out");
        try (Model m = Models.load(Files.writeString(dir.resolve("map.json"), tf)); Tensor in = Tensor.of(x, 2, 48, 48, 21);
             Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 48, 48}, y.shape());
            assertArrayEquals(expected(x, 2 * 48 * 48, 21, 1, true, false), y.toFloatArray(), 0f);
        }
    }

    @Test
    void refusals(@TempDir Path dir) throws Exception {
        String[][] tf = {{"{'name': null}", "batch axis"},
                {"{'axis': 0, 'name': null}", "batch axis"},
                {"{'axis': 2, 'name': null}", "Expected dimension in the range [-2, 2), but got 2"},
                {"{'axis': -1, 'output_type': 'int16', 'name': null}", "output_type"}};
        for (String[] c : tf) {
            Path p = Files.writeString(dir.resolve("bad.json"), TfKerasOps.model(TfKerasOps.input("[null, 4]") + ", "
                    + TfKerasOps.lambda("out", "math.argmax", "x", c[0]), "out"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        Path p = Files.writeString(dir.resolve("none.json"), Keras3Ops.model("[null, 4]", "out", List.of(new Keras3Ops.Op("out",
                "numpy", "Argmin", "{'name': 'out', 'axis': null, 'keepdims': false}", Keras3Ops.tensor("x")))));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close());
        assertTrue(e.getMessage().contains("axis=None"), e.getMessage());
    }
}
