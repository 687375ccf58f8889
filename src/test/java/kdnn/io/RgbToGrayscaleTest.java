package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * {@code rgb_to_grayscale} as tf.keras' {@code tf.image.rgb_to_grayscale} and Keras 3's
 * {@code ops.image.rgb_to_grayscale}: {@code 0.2989 r + 0.5870 g + 0.1140 b} per pixel in float32, in
 * both data formats, against that sum written out; through {@code .h5} and {@code .keras} (channels_first
 * only through {@code .keras}); a channel count other than 1 or 3 refused in Keras' words.
 */
class RgbToGrayscaleTest {
    @Test
    void asKerasAndTensorFlowWeighTheChannels(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 3 * 4 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.9) * 100;
        x[5] = Float.NaN;
        for (String format : List.of("channels_last", "channels_first")) {
            boolean first = format.equals("channels_first");
            String shape = first ? "[null, 3, 3, 4]" : "[null, 3, 4, 3]";
            String config = Keras3Ops.model(shape, "g", List.of(new Keras3Ops.Op("g", "image", "RGBToGrayscale",
                    "{'name': 'g', 'data_format': '" + format + "'}", Keras3Ops.tensor("x"))));
            float[] want = new float[2 * 12];
            for (int n = 0; n < 2; n++) {
                for (int p = 0; p < 12; p++) {
                    float r = x[first ? n * 36 + p : n * 36 + p * 3];
                    float g = x[first ? n * 36 + 12 + p : n * 36 + p * 3 + 1];
                    float b = x[first ? n * 36 + 24 + p : n * 36 + p * 3 + 2];
                    want[n * 12 + p] = r * 0.2989f + g * 0.5870f + b * 0.1140f;
                }
            }
            try (Model m = Models.load(Files.writeString(dir.resolve("g.json"), config));
                 Tensor in = Tensor.of(x, first ? new long[] {2, 3, 3, 4} : new long[] {2, 3, 4, 3}); Tensor y = m.predict(in)) {
                assertArrayEquals(first ? new long[] {2, 1, 3, 4} : new long[] {2, 3, 4, 1}, y.shape());
                assertArrayEquals(want, y.toFloatArray(), 0f, format);
                RoundTrips.predictSame(m, dir, List.of(in), first ? List.of("m.keras") : List.of("m.keras", "m.h5"));
                if (first) {
                    var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.h5")));
                    assertTrue(e.getMessage().contains("channels-last"), e.getMessage());
                }
            }
        }
        // tf.keras' TFOpLambda; one channel passes as it is
        String tf = TfKerasOps.model(TfKerasOps.input("[null, 2, 2, 1]") + ", "
                + TfKerasOps.lambda("g", "image.rgb_to_grayscale", "x", "{'name': null}"), "g");
        try (Model m = Models.load(Files.writeString(dir.resolve("tf.json"), tf)); Tensor in = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2, 1);
             Tensor y = m.predict(in)) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, y.toFloatArray(), 0f);
        }
        String four = TfKerasOps.model(TfKerasOps.input("[null, 2, 2, 4]") + ", "
                + TfKerasOps.lambda("g", "image.rgb_to_grayscale", "x", "{'name': null}"), "g");
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(Files.writeString(dir.resolve("four.json"), four)).close());
        assertTrue(e.getMessage().contains("Invalid channel size: expected 3 (RGB) or 1 (Grayscale)"), e.getMessage());
    }
}
