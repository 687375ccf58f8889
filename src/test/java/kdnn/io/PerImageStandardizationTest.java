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
 * tf.keras' {@code tf.image.per_image_standardization}: each image less its mean over
 * {@code max(stddev, 1 / sqrt(N))}, against that formula in double; a uniform image (the floor keeps it
 * finite: all zeros) and one holding NaN; through {@code .h5}, refused by {@code .keras} (Keras 3 has no
 * such operation).
 */
class PerImageStandardizationTest {
    @Test
    void asTensorFlowStandardizes(@TempDir Path dir) throws Exception {
        String config = TfKerasOps.model(TfKerasOps.input("[null, 3, 4, 2]") + ", "
                + TfKerasOps.lambda("out", "image.per_image_standardization", "x", "{'name': null}"), "out");
        float[] x = new float[3 * 24];
        for (int i = 0; i < 24; i++) x[i] = (float) (Math.sin(i * 0.7) * 50 + 120);
        for (int i = 24; i < 48; i++) x[i] = 7; // uniform
        for (int i = 48; i < 72; i++) x[i] = i == 50 ? Float.NaN : i;
        try (Model m = Models.load(Files.writeString(dir.resolve("p.json"), config)); Tensor in = Tensor.of(x, 3, 3, 4, 2);
             Tensor y = m.predict(in)) {
            float[] got = y.toFloatArray();
            double sum = 0;
            for (int i = 0; i < 24; i++) sum += x[i];
            double mean = sum / 24;
            double dev = 0;
            for (int i = 0; i < 24; i++) dev += (x[i] - mean) * (x[i] - mean);
            double scale = Math.max(Math.sqrt(dev / 24), 1 / Math.sqrt(24));
            for (int i = 0; i < 24; i++) assertEquals((x[i] - mean) / scale, got[i], 2e-6, "image 0 at " + i);
            for (int i = 24; i < 48; i++) assertEquals(0f, got[i], "a uniform image: zeros");
            for (int i = 48; i < 72; i++) assertTrue(Float.isNaN(got[i]), "an image holding NaN");
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
            assertTrue(e.getMessage().contains("per_image_standardization"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("m.keras")));
        }
    }
}
