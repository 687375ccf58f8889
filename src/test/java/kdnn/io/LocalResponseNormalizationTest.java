package kdnn.io;

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
 * tf.keras' {@code tf.nn.local_response_normalization} (as AlexNet ports call it: radius 2, bias 2,
 * alpha 1e-4, beta 0.75; and TensorFlow's defaults): {@code x / (bias + alpha * sum of squares over the
 * channel window) ** beta}, the window cut at the ends; against that formula in double, through
 * {@code .h5}; {@code .keras} refused (Keras 3 has no such operation), as is an input not 4-D.
 */
class LocalResponseNormalizationTest {
    @Test
    void asTensorFlowNormalizesAcrossChannels(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 3 * 3 * 7];
        for (int i = 0; i < x.length; i++) x[i] = (float) (Math.sin(i * 0.83) * 20);
        String[][] cases = {{"{'depth_radius': 2, 'bias': 2.0, 'alpha': 0.0001, 'beta': 0.75, 'name': null}", "2", "2",
                "0.0001", "0.75"}, {"{'name': null}", "5", "1", "1", "0.5"}};
        for (String[] c : cases) {
            String config = TfKerasOps.model(TfKerasOps.input("[null, 3, 3, 7]") + ", "
                    + TfKerasOps.lambda("out", "nn.local_response_normalization", "x", c[0]), "out");
            int r = Integer.parseInt(c[1]);
            double bias = Double.parseDouble(c[2]);
            double alpha = Double.parseDouble(c[3]);
            double beta = Double.parseDouble(c[4]);
            try (Model m = Models.load(Files.writeString(dir.resolve("lrn.json"), config)); Tensor in = Tensor.of(x, 2, 3, 3, 7);
                 Tensor y = m.predict(in)) {
                float[] got = y.toFloatArray();
                for (int p = 0; p < 18; p++) {
                    for (int ch = 0; ch < 7; ch++) {
                        double sum = 0;
                        for (int k = Math.max(0, ch - r); k <= Math.min(6, ch + r); k++) sum += (double) x[p * 7 + k] * x[p * 7 + k];
                        double want = x[p * 7 + ch] / Math.pow(bias + alpha * sum, beta);
                        assertEquals(want, got[p * 7 + ch], 1e-5 * (1 + Math.abs(want)), c[0] + " at " + p + "," + ch);
                    }
                }
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5"));
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
                assertTrue(e.getMessage().contains("local_response_normalization"), e.getMessage());
                assertFalse(Files.exists(dir.resolve("m.keras")));
            }
        }
        String flat = TfKerasOps.model(TfKerasOps.input("[null, 7]") + ", "
                + TfKerasOps.lambda("out", "nn.lrn", "x", "{'name': null}"), "out");
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(Files.writeString(dir.resolve("f.json"), flat)).close());
        assertTrue(e.getMessage().contains("4-dimensional"), e.getMessage());
    }
}
