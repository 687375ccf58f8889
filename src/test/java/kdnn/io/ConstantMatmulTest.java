package kdnn.io;

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
 * A tensor times a constant matrix: tf.keras' {@code tf.linalg.matmul(x, b)} ({@code transpose_b} too)
 * and Keras 3's {@code ops.matmul(x, b)} with {@code b} in the file, e.g. an RGB-to-YUV projection of each
 * pixel; against the product in double, through both formats; a size mismatch refused in TensorFlow's
 * words, {@code transpose_a} with a constant refused.
 */
class ConstantMatmulTest {
    private static final String YUV = "[[0.299, -0.14713, 0.615], [0.587, -0.28886, -0.51499], [0.114, 0.436, -0.10001]]";

    private static float[] yuv(float[] x) {
        double[][] m = {{0.299, -0.14713, 0.615}, {0.587, -0.28886, -0.51499}, {0.114, 0.436, -0.10001}};
        float[] y = new float[x.length];
        for (int p = 0; p < x.length / 3; p++) {
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int k = 0; k < 3; k++) s += x[p * 3 + k] * (double) (float) m[k][j];
                y[p * 3 + j] = (float) s;
            }
        }
        return y;
    }

    @Test
    void aColourProjectionOfEachPixel(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 4 * 5 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.abs(Math.sin(i * 0.37)) * 255;
        String tf = TfKerasOps.model(TfKerasOps.input("[null, 4, 5, 3]") + ", "
                + TfKerasOps.lambda("out", "linalg.matmul", "x", "{'b': " + YUV + ", 'transpose_a': false,"
                + " 'transpose_b': false, 'name': null}"), "out");
        // the same matrix given transposed
        String transposedMatrix = "[[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]]";
        String tfT = TfKerasOps.model(TfKerasOps.input("[null, 4, 5, 3]") + ", "
                + TfKerasOps.lambda("out", "linalg.matmul", "x", "{'b': " + transposedMatrix + ", 'transpose_b': true,"
                + " 'name': null}"), "out");
        String k3 = Keras3Ops.model("[null, 4, 5, 3]", "out", List.of(Keras3Ops.Op.of("out", "numpy", "Matmul",
                Keras3Ops.tensor("x") + ", " + YUV)));
        for (String config : List.of(tf, tfT, k3)) {
            try (Model m = Models.load(Files.writeString(dir.resolve("m.json"), config)); Tensor in = Tensor.of(x, 2, 4, 5, 3);
                 Tensor y = m.predict(in)) {
                float[] want = yuv(x);
                float[] got = y.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    org.junit.jupiter.api.Assertions.assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), "at " + i);
                }
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras", "m.h5"));
            }
        }
    }

    @Test
    void refusals(@TempDir Path dir) throws Exception {
        String[][] cases = {{"{'b': [[1.0, 2.0], [3.0, 4.0]], 'name': null}", "Matrix size-incompatible"},
                {"{'b': [[1.0, 2.0, 3.0]], 'transpose_a': true, 'name': null}", "transpose_a"},
                {"{'b': [[1.0, 2.0], [3.0]], 'name': null}", "rows of one length"}};
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("bad.json"), TfKerasOps.model(TfKerasOps.input("[null, 4, 3]") + ", "
                    + TfKerasOps.lambda("out", "linalg.matmul", "x", c[0]), "out"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close(), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
