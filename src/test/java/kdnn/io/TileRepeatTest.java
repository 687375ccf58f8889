package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NumPy's tile and repeat as Keras 3's {@code ops.tile} / {@code ops.repeat} and tf.keras'
 * {@code tf.tile} / {@code tf.repeat}: against NumPy's index rules written out here for random shapes
 * and counts (fewer counts than axes too), bit for bit, NaN included; through {@code .keras} and
 * {@code .h5}; the batch axis, extra leading axes and {@code axis=None} refused.
 */
class TileRepeatTest {
    /** NumPy's tile of a row-major array of {@code shape} by one count per axis. */
    private static float[] tile(float[] x, int[] shape, int[] reps) {
        int rank = shape.length;
        int[] out = new int[rank];
        int n = 1;
        for (int a = 0; a < rank; a++) n *= out[a] = shape[a] * reps[a];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int rest = i;
            int src = 0;
            int stride = 1;
            for (int a = rank - 1; a >= 0; a--) {
                int c = rest % out[a];
                rest /= out[a];
                src += (c % shape[a]) * stride;
                stride *= shape[a];
            }
            y[i] = x[src];
        }
        return y;
    }

    /** NumPy's repeat of each element {@code n} times along {@code axis}. */
    private static float[] repeat(float[] x, int[] shape, int axis, int n) {
        int outer = 1;
        for (int a = 0; a < axis; a++) outer *= shape[a];
        int inner = 1;
        for (int a = axis + 1; a < shape.length; a++) inner *= shape[a];
        float[] y = new float[x.length * n];
        int at = 0;
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < shape[axis]; k++) {
                for (int r = 0; r < n; r++) {
                    System.arraycopy(x, (o * shape[axis] + k) * inner, y, at, inner);
                    at += inner;
                }
            }
        }
        return y;
    }

    private static String shape(int[] s) {
        StringBuilder b = new StringBuilder("[null");
        for (int i = 1; i < s.length; i++) b.append(", ").append(s[i]);
        return b.append("]").toString();
    }

    @Test
    void asNumPyTilesAndRepeatsInBothFormats(@TempDir Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 16; trial++) {
            int rank = 2 + r.nextInt(3);
            int[] s = new int[rank];
            for (int a = 0; a < rank; a++) s[a] = 1 + r.nextInt(3);
            float[] x = new float[java.util.Arrays.stream(s).reduce(1, (p, q) -> p * q)];
            for (int i = 0; i < x.length; i++) x[i] = i == 1 ? Float.NaN : (float) r.nextGaussian();
            long[] ls = java.util.Arrays.stream(s).asLongStream().toArray();
            // tile: counts for the trailing axes only, half the time (NumPy's leading ones)
            int given = trial % 2 == 0 ? rank : rank - 1;
            int[] reps = new int[given];
            for (int i = 0; i < given; i++) reps[i] = i == 0 && given == rank ? 1 : 1 + r.nextInt(3);
            int[] full = new int[rank];
            java.util.Arrays.fill(full, 1);
            System.arraycopy(reps, 0, full, rank - given, given);
            int axis = 1 + r.nextInt(rank - 1);
            int n = 1 + r.nextInt(3);
            String repsJson = java.util.Arrays.toString(reps);
            boolean keras3 = trial % 4 < 2;
            String config = keras3
                    ? Keras3Ops.model(shape(s), "rep", List.of(
                        new Keras3Ops.Op("tiled", "numpy", "Tile", "{'name': 'tiled', 'repeats': " + repsJson + "}",
                                Keras3Ops.tensor("x")),
                        new Keras3Ops.Op("rep", "numpy", "Repeat", "{'name': 'rep', 'repeats': " + n + ", 'axis': "
                                + (axis - rank) + "}", Keras3Ops.tensor("tiled"))))
                    : TfKerasOps.model(TfKerasOps.input(shape(s)) + ", "
                        + TfKerasOps.lambda("tiled", "tile", "x", "{'multiples': " + java.util.Arrays.toString(full)
                            + ", 'name': null}") + ", "
                        + TfKerasOps.lambda("rep", "repeat", "tiled", "{'repeats': " + n + ", 'axis': " + axis
                            + ", 'name': null}"), "rep");
            Path p = Files.writeString(dir.resolve("m.json"), config);
            int[] tiledShape = new int[rank];
            for (int a = 0; a < rank; a++) tiledShape[a] = s[a] * full[a];
            float[] want = repeat(tile(x, s, full), tiledShape, axis, n);
            try (Model m = Models.load(p); Tensor in = Tensor.of(x, ls); Tensor y = m.predict(in)) {
                assertArrayEquals(want, y.toFloatArray(), 0f, config);
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras", "m.h5"));
            }
        }
    }

    @Test
    void refusals(@TempDir Path dir) throws Exception {
        String[][] cases = {
            {"Tile", "{'name': 'op', 'repeats': [2, 1, 1]}", "tiles the batch axis 2 times"},
            {"Tile", "{'name': 'op', 'repeats': [1, 1, 1, 2]}", "more counts than the input has axes"},
            {"Tile", "{'name': 'op', 'repeats': [1, 0]}", "at least 1"},
            {"Repeat", "{'name': 'op', 'repeats': 2, 'axis': null}", "axis=None"},
            {"Repeat", "{'name': 'op', 'repeats': 2, 'axis': 0}", "repeats the batch axis"},
            {"Repeat", "{'name': 'op', 'repeats': [1, 2], 'axis': 1}", "one count"},
        };
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("bad.json"), Keras3Ops.model("[null, 2, 3]", "op",
                    List.of(new Keras3Ops.Op("op", "numpy", c[0], c[1], Keras3Ops.tensor("x")))));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }
}
