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
 * Keras 3's {@code x / ops.norm(x, axis=-1, keepdims=True)} (an embedding normalized by hand, as metric
 * learning models do): the Norm operation and a division of two tensors; the norm as Keras computes it
 * ({@code sqrt(sum(x * x))}), kept through {@code .keras} and written to {@code .h5} as tf.keras'
 * {@code tf.norm}; tf.keras' own {@code tf.norm} read; the orders kdnn does not compute refused.
 */
class NormOpTest {
    private static String model(String normConfig) {
        return Keras3Ops.model("[null, 5, 8]", "out", List.of(
                new Keras3Ops.Op("norm", "linalg", "Norm", normConfig, Keras3Ops.tensor("x")),
                Keras3Ops.Op.of("out", "numpy", "TrueDivide", Keras3Ops.tensor("x") + ", " + Keras3Ops.tensor("norm"))));
    }

    @Test
    void anEmbeddingDividedByItsNormInEveryFormat(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("norm.json"), model("{'name': 'norm', 'ord': null, 'axis': -1, 'keepdims': true}"));
        float[] x = new float[2 * 5 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.7) * 3;
        x[8] = 1e-3f; // a row whose other values are 0
        for (int i = 9; i < 16; i++) x[i] = 0;
        float[] want = new float[x.length];
        for (int row = 0; row < 10; row++) {
            float sum = 0;
            for (int k = 0; k < 8; k++) sum += x[row * 8 + k] * x[row * 8 + k];
            float norm = (float) Math.sqrt(sum);
            for (int k = 0; k < 8; k++) want[row * 8 + k] = x[row * 8 + k] / norm;
        }
        try (Model m = Models.load(p); Tensor in = Tensor.of(x, 2, 5, 8); Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {2, 5, 8}, y.shape());
            assertArrayEquals(want, y.toFloatArray(), 1e-6f);
            for (String file : List.of("m.keras", "m.h5")) {
                Models.save(m, dir.resolve(file));
                try (Model back = Models.load(dir.resolve(file)); Tensor again = back.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), again.toFloatArray(), 0f, file);
                }
            }
            String h5Config = new String(Files.readAllBytes(dir.resolve("m.h5")), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(h5Config.contains("\"function\": \"norm\"") || h5Config.contains("\"function\":\"norm\""),
                    "written as tf.keras' tf.norm");
        }
    }

    @Test
    void tfKerasTfNormAndRefusals(@TempDir Path dir) throws Exception {
        String tfKeras = TfKerasOps.model(TfKerasOps.input("[null, 4, 3]") + ", "
                + TfKerasOps.lambda("out", "norm", "x", "{'axis': [1, 2], 'keepdims': false, 'name': null}"), "out");
        Path p = Files.writeString(dir.resolve("tfnorm.json"), tfKeras);
        float[] x = new float[3 * 12];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.5f - 4;
        try (Model m = Models.load(p); Tensor in = Tensor.of(x, 3, 4, 3); Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {3}, y.shape());
            for (int s = 0; s < 3; s++) {
                double sum = 0;
                for (int k = 0; k < 12; k++) sum += (double) x[s * 12 + k] * x[s * 12 + k];
                assertEquals(Math.sqrt(sum), y.toFloatArray()[s], 1e-5 * Math.sqrt(sum), "the Frobenius norm of sample " + s);
            }
        }
        String[][] refused = {{"{'name': 'norm', 'ord': 1, 'axis': -1, 'keepdims': true}", "ord=1"},
                {"{'name': 'norm', 'ord': null, 'axis': null, 'keepdims': true}", "axis=None"}};
        for (String[] c : refused) {
            Path bad = Files.writeString(dir.resolve("bad.json"), model(c[0]));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(bad).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
