package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * tf.keras' {@code tf.gather} and Keras 3's {@code ops.take} of constant indices along one axis: a list
 * (repeats allowed) keeps the axis, one index drops it, Keras 3's negative indices count from the end;
 * against the slices copied by hand, NaN included; through both formats (negative indices only
 * through {@code .keras}); an index past the axis, the batch axis, {@code axis=None} and tf.gather's
 * batch_dims refused.
 */
class TakeTest {
    private static final float[] X = new float[2 * 3 * 4];

    static {
        for (int i = 0; i < X.length; i++) X[i] = i == 5 ? Float.NaN : i;
    }

    @Test
    void slicesPickedInTheirOrder(@TempDir Path dir) throws Exception {
        // channels [2, 0, 2] of each (sample, row): a BGR-like reorder with a repeat
        String tf = TfKerasOps.model(TfKerasOps.input("[null, 3, 4]") + ", "
                + TfKerasOps.lambda("out", "gather", "x", "{'indices': [2, 0, 2], 'axis': -1, 'batch_dims': 0, 'name': null}"), "out");
        float[] want = new float[2 * 3 * 3];
        for (int r = 0; r < 6; r++) {
            want[r * 3] = X[r * 4 + 2];
            want[r * 3 + 1] = X[r * 4];
            want[r * 3 + 2] = X[r * 4 + 2];
        }
        try (Model m = Models.load(Files.writeString(dir.resolve("tf.json"), tf)); Tensor in = Tensor.of(X, 2, 3, 4);
             Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 3, 3}, y.shape());
            assertArrayEquals(want, y.toFloatArray(), 0f);
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5", "m.keras"));
        }
        // Keras 3: one index (the axis dropped), negative from the end
        String k3 = Keras3Ops.model("[null, 3, 4]", "out", List.of(new Keras3Ops.Op("out", "numpy", "Take",
                "{'name': 'out', 'axis': 1}", Keras3Ops.tensor("x") + ", -1")));
        try (Model m = Models.load(Files.writeString(dir.resolve("k3.json"), k3)); Tensor in = Tensor.of(X, 2, 3, 4);
             Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 4}, y.shape());
            assertArrayEquals(new float[] {8, 9, 10, 11, 20, 21, 22, 23}, y.toFloatArray(), 0f);
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("neg.h5")));
            assertTrue(e.getMessage().contains("negative indices"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("neg.h5")));
        }
    }

    @Test
    void refusals(@TempDir Path dir) throws Exception {
        String[][] cases = {{"{'indices': [0, 4], 'axis': 2, 'name': null}", "indices[1] = 4 is not in [0, 4)"},
                {"{'indices': [-1], 'axis': 2, 'name': null}", "indices[0] = -1 is not in [0, 4)"},
                {"{'indices': [0], 'axis': 0, 'name': null}", "batch axis"},
                {"{'indices': [0], 'name': null}", "axis=None"},
                {"{'indices': [[0, 1]], 'axis': 1, 'name': null}", "indices"},
                {"{'indices': [0], 'axis': 1, 'batch_dims': 1, 'name': null}", "batch_dims"}};
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("bad.json"), TfKerasOps.model(TfKerasOps.input("[null, 3, 4]") + ", "
                    + TfKerasOps.lambda("out", "gather", "x", c[0]), "out"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
