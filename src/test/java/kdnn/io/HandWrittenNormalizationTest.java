package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instance normalization written out with Keras 3's ops, as style-transfer and GAN code writes it:
 * {@code (x - ops.mean(x, [1, 2], keepdims=True)) / ops.sqrt(ops.var(x, [1, 2], keepdims=True) + 1e-5)},
 * and {@code ops.std} beside it; the variance TensorFlow's {@code reduce_variance} (the mean of squared
 * deviations), against that formula in double, through both formats (tf.keras' {@code reduce_variance}
 * and {@code reduce_std}).
 */
class HandWrittenNormalizationTest {
    @Test
    void instanceNormalizationFromOps(@TempDir Path dir) throws Exception {
        String x = Keras3Ops.tensor("x");
        String config = Keras3Ops.model("[null, 3, 4, 2]", "out", List.of(
                new Keras3Ops.Op("mean", "numpy", "Mean", "{'name': 'mean', 'axis': [1, 2], 'keepdims': true}", x),
                new Keras3Ops.Op("var", "numpy", "Var", "{'name': 'var', 'axis': [1, 2], 'keepdims': true}", x),
                Keras3Ops.Op.of("centred", "numpy", "Subtract", x + ", " + Keras3Ops.tensor("mean")),
                Keras3Ops.Op.of("shifted", "numpy", "Add", Keras3Ops.tensor("var") + ", 1e-05"),
                Keras3Ops.Op.of("root", "numpy", "Sqrt", Keras3Ops.tensor("shifted")),
                Keras3Ops.Op.of("out", "numpy", "TrueDivide", Keras3Ops.tensor("centred") + ", " + Keras3Ops.tensor("root"))));
        float[] in = new float[2 * 12 * 2];
        for (int i = 0; i < in.length; i++) in[i] = (float) (Math.sin(i * 1.7) * 4 + (i % 2) * 10);
        float[] want = new float[in.length];
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 2; c++) {
                double sum = 0;
                for (int p = 0; p < 12; p++) sum += in[(n * 12 + p) * 2 + c];
                double mean = sum / 12;
                double dev = 0;
                for (int p = 0; p < 12; p++) dev += Math.pow(in[(n * 12 + p) * 2 + c] - mean, 2);
                double sd = Math.sqrt(dev / 12 + 1e-5);
                for (int p = 0; p < 12; p++) want[(n * 12 + p) * 2 + c] = (float) ((in[(n * 12 + p) * 2 + c] - mean) / sd);
            }
        }
        try (Model m = Models.load(Files.writeString(dir.resolve("in.json"), config)); Tensor t = Tensor.of(in, 2, 3, 4, 2);
             Tensor y = m.predict(t)) {
            assertArrayEquals(want, y.toFloatArray(), 2e-5f);
            RoundTrips.predictSame(m, dir, List.of(t), List.of("m.keras", "m.h5"));
        }
        // the standard deviation, over the channels
        String std = Keras3Ops.model("[null, 3, 4, 2]", "std", List.of(new Keras3Ops.Op("std", "numpy", "Std",
                "{'name': 'std', 'axis': -1, 'keepdims': false}", x)));
        try (Model m = Models.load(Files.writeString(dir.resolve("std.json"), std)); Tensor t = Tensor.of(in, 2, 3, 4, 2);
             Tensor y = m.predict(t)) {
            float[] got = y.toFloatArray();
            for (int p = 0; p < 24; p++) {
                double a = in[p * 2];
                double b = in[p * 2 + 1];
                assertEquals(Math.abs(a - b) / 2, got[p], 1e-5, "position " + p);
            }
            RoundTrips.predictSame(m, dir, List.of(t), List.of("m.keras", "m.h5"));
        }
    }
}
