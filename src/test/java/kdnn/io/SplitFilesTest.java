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
 * {@code tf.split} (tf.keras' TFOpLambda, a count or sizes) and Keras 3's {@code ops.split} (a
 * count or start indices): each piece an output of its own, read by the layers after it; written
 * back in either form where the other can say the same; counts that do not divide, sizes that do
 * not add up and the batch axis refused by name.
 */
class SplitFilesTest {
    private static float[] input(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.37) * 3;
        return x;
    }

    /** A gated linear unit as audio models write it: {@code a, b = tf.split(x, 2, axis=-1); a * sigmoid(b)}. */
    @Test
    void aGatedLinearUnitInEveryFormat(@TempDir Path dir) throws Exception {
        String layers = TfKerasOps.input("[null, 5, 8]") + ", "
                + TfKerasOps.lambda("tf.split", "split", "x", "{'num_or_size_splits': 2, 'axis': -1, 'num': null, 'name': null}")
                + ", {'class_name': 'Activation', 'config': {'name': 'gate', 'activation': 'sigmoid'}, 'name': 'gate',"
                + " 'inbound_nodes': [[['tf.split', 0, 1, {}]]]}"
                + ", {'class_name': 'Multiply', 'config': {'name': 'glu'}, 'name': 'glu',"
                + " 'inbound_nodes': [[['tf.split', 0, 0, {}], ['gate', 0, 0, {}]]]}";
        Path file = Files.writeString(dir.resolve("glu.json"), TfKerasOps.model(layers, "glu"));
        float[] x = input(2 * 5 * 8);
        float[] want = new float[2 * 5 * 4];
        for (int r = 0; r < 10; r++) {
            for (int c = 0; c < 4; c++) {
                float b = x[r * 8 + 4 + c];
                want[r * 4 + c] = x[r * 8 + c] * (float) (1 / (1 + Math.exp(-(double) b)));
            }
        }
        try (Model m = Models.load(file); Tensor in = Tensor.of(x, 2, 5, 8); Tensor y = m.predict(in)) {
            assertEquals("Split", m.layer("tf.split").className());
            assertArrayEquals(new long[] {2, 5, 4}, y.shape());
            assertArrayEquals(want, y.toFloatArray(), 1e-6f);
            for (String f : List.of("m.h5", "m.keras")) {
                Models.save(m, dir.resolve(f));
                try (Model back = Models.load(dir.resolve(f)); Tensor again = back.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), again.toFloatArray(), 0f, f);
                    assertEquals("Split", back.layer("tf.split").className(), f);
                }
            }
        }
    }

    /** Sizes with the rest left to -1, pieces joined in another order; a -1 before the last has no Keras 3 form. */
    @Test
    void sizesAlongTheSteps(@TempDir Path dir) throws Exception {
        for (String sizes : List.of("[2, 3, -1]", "[2, -1, 1]")) {
            String layers = TfKerasOps.input("[null, 6, 2]") + ", "
                    + TfKerasOps.lambda("tf.split", "split", "x", "{'num_or_size_splits': " + sizes + ", 'axis': 1, 'name': null}")
                    + ", {'class_name': 'Concatenate', 'config': {'name': 'cat', 'axis': 1}, 'name': 'cat',"
                    + " 'inbound_nodes': [[['tf.split', 0, 2, {}], ['tf.split', 0, 0, {}]]]}";
            Path file = Files.writeString(dir.resolve("sizes.json"), TfKerasOps.model(layers, "cat"));
            float[] x = input(2 * 6 * 2);
            try (Model m = Models.load(file); Tensor in = Tensor.of(x, 2, 6, 2); Tensor y = m.predict(in)) {
                // the last piece (row 5), then the first (rows 0 and 1)
                int[] rows = {5, 0, 1};
                float[] want = new float[2 * 3 * 2];
                for (int n = 0; n < 2; n++) {
                    for (int k = 0; k < 3; k++) System.arraycopy(x, (n * 6 + rows[k]) * 2, want, (n * 3 + k) * 2, 2);
                }
                assertArrayEquals(new long[] {2, 3, 2}, y.shape());
                assertArrayEquals(want, y.toFloatArray(), 0f, sizes);
                Models.save(m, dir.resolve("m.h5"));
                try (Model back = Models.load(dir.resolve("m.h5")); Tensor again = back.predict(in)) {
                    assertArrayEquals(want, again.toFloatArray(), 0f, sizes + " .h5");
                }
                if (sizes.equals("[2, 3, -1]")) {
                    Models.save(m, dir.resolve("m.keras"));
                    try (Model back = Models.load(dir.resolve("m.keras")); Tensor again = back.predict(in)) {
                        assertArrayEquals(want, again.toFloatArray(), 0f, sizes + " .keras");
                    }
                } else {
                    var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
                    assertTrue(e.getMessage().contains("keras.ops.split's start indices cannot say"), e.getMessage());
                }
            }
        }
    }

    /** Keras 3's ops.split at start indices [2, 5] (NumPy's), the pieces joined by ops.concatenate; and into .h5. */
    @Test
    void keras3SplitAtIndices(@TempDir Path dir) throws Exception {
        String piece2 = "{'class_name': '__keras_tensor__', 'config': {'shape': [null, 1, 2], 'dtype': 'float32',"
                + " 'keras_history': ['split', 0, 2]}}";
        String piece0 = "{'class_name': '__keras_tensor__', 'config': {'shape': [null, 2, 2], 'dtype': 'float32',"
                + " 'keras_history': ['split', 0, 0]}}";
        String model = Keras3Ops.model("[null, 6, 2]", "cat", List.of(
                new Keras3Ops.Op("split", "numpy", "Split", "{'name': 'split', 'indices_or_sections': [2, 5], 'axis': 1}",
                        Keras3Ops.tensor("x")),
                new Keras3Ops.Op("cat", "numpy", "Concatenate", "{'name': 'cat', 'axis': 1}", "[" + piece2 + ", " + piece0 + "]")));
        Path p = Files.writeString(dir.resolve("k3.json"), model);
        float[] x = input(2 * 6 * 2);
        int[] rows = {5, 0, 1};
        float[] want = new float[2 * 3 * 2];
        for (int n = 0; n < 2; n++) {
            for (int k = 0; k < 3; k++) System.arraycopy(x, (n * 6 + rows[k]) * 2, want, (n * 3 + k) * 2, 2);
        }
        try (Model m = Models.load(p); Tensor in = Tensor.of(x, 2, 6, 2); Tensor y = m.predict(in)) {
            assertArrayEquals(want, y.toFloatArray(), 0f);
            for (String f : List.of("m.keras", "m.h5")) {
                Models.save(m, dir.resolve(f));
                try (Model back = Models.load(dir.resolve(f)); Tensor again = back.predict(in)) {
                    assertArrayEquals(want, again.toFloatArray(), 0f, f);
                }
            }
        }
    }

    @Test
    void refusedByName(@TempDir Path dir) throws Exception {
        String[][] cases = {{"{'num_or_size_splits': 4, 'axis': 1, 'name': null}", "not evenly divisible by 4"},
            {"{'num_or_size_splits': [2, 2], 'axis': 1, 'name': null}", "do not add up to the length 6"},
            {"{'num_or_size_splits': 2, 'axis': 0, 'name': null}", "other than the batch axis"},
            {"{'num_or_size_splits': [-1, -1], 'axis': 1, 'name': null}", "at most one size -1"}};
        for (String[] c : cases) {
            Path file = Files.writeString(dir.resolve("bad.json"), TfKerasOps.model(TfKerasOps.input("[null, 6, 2]") + ", "
                    + TfKerasOps.lambda("tf.split", "split", "x", c[0]), "tf.split"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(file).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
