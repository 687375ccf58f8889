package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceShapeOps;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's RandomResizedCrop at inference: the centred window of the target's aspect ratio (float32
 * start and size, truncated), resized with its interpolation; worked examples, both data formats,
 * the window cut at the image's end, refusals.
 */
class RandomResizedCropTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'RandomResizedCrop', 'config': " + config + "}")
                .replace('\'', '"')), KerasVersion.KERAS_3);
    }

    private static float[] image(int h, int w, int c) {
        float[] x = new float[h * w * c];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37) * 4;
        return x;
    }

    @Test
    void theCentredWindowOfTheTargetsAspectRatioResized() throws Exception {
        // (10, 20) to 8x8: aspect 2 > 1, so the full height and a width of 10 from column 5
        float[] x = image(10, 20, 3);
        try (Layer l = layer("{'height': 8, 'width': 8, 'seed': 7}"); Tensor in = Tensor.of(x, 1, 10, 20, 3);
             Tensor out = l.call(in)) {
            RefArray win = ReferenceShapeOps.window(new RefArray(new int[] {1, 10, 20, 3}, x), 0, 5, 10, 10, 0f, false);
            assertArrayEquals(ReferenceShapeOps.resize(win, 8, 8, true, false).data(), out.toFloatArray(), 2e-6f);
        }
        // (7, 5) to 4x6: aspect 0.71 < 1.5, so a height of 5 / 1.5 = 3.33 -> 3 rows from (7 - 3.33) / 2 = 1.83 -> 1
        float[] y = image(7, 5, 1);
        for (String m : new String[] {"nearest", "bicubic", "area"}) {
            try (Layer l = layer("{'height': 4, 'width': 6, 'interpolation': '" + m + "'}"); Tensor in = Tensor.of(y, 1, 7, 5, 1);
                 Tensor out = l.call(in)) {
                RefArray win = ReferenceShapeOps.window(new RefArray(new int[] {1, 7, 5, 1}, y), 1, 0, 3, 5, 0f, false);
                float[] want = m.equals("nearest") ? ReferenceShapeOps.resize(win, 4, 6, false, false).data()
                        : m.equals("bicubic") ? ReferenceShapeOps.resizeBicubic(win, 4, 6, false).data()
                        : ReferenceShapeOps.resizeByKernel("area", win, 4, 6, false).data();
                assertArrayEquals(want, out.toFloatArray(), 2e-5f, m);
            }
        }
        // channels_first: the same values, transposed
        float[] z = image(6, 9, 2);
        float[] zFirst = new float[z.length];
        for (int p = 0; p < 54; p++) for (int c = 0; c < 2; c++) zFirst[c * 54 + p] = z[p * 2 + c];
        try (Layer a = layer("{'height': 5, 'width': 5}"); Layer b = layer("{'height': 5, 'width': 5, 'data_format': 'channels_first'}");
             Tensor in = Tensor.of(z, 1, 6, 9, 2); Tensor inFirst = Tensor.of(zFirst, 1, 2, 6, 9);
             Tensor ya = a.call(in); Tensor yb = b.call(inFirst)) {
            assertArrayEquals(new long[] {1, 2, 5, 5}, yb.shape());
            float[] last = ya.toFloatArray();
            float[] first = yb.toFloatArray();
            // (oneDNN's linear resampling rounds the two layouts alike to a unit in the last place)
            for (int p = 0; p < 25; p++) for (int c = 0; c < 2; c++) assertEquals(last[p * 2 + c], first[c * 25 + p], 2e-6f);
        }
    }

    @Test
    void refusals() throws Exception {
        String[][] cases = {
                {"{'height': 4}", "`height` and `width` must be positive"},
                {"{'height': 4, 'width': 4, 'interpolation': 'gaussian'}", "Invalid value for argument `interpolation`"},
                {"{'height': 4, 'width': 4, 'scale': [0.5]}", "scale"},
                {"{'height': 4, 'width': 4, 'seed': 'x'}", "seed"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        // a 1-pixel-high crop of a tall thin image at a wide aspect: no pixel, refused at the call
        try (Layer l = layer("{'height': 1, 'width': 100}"); Tensor in = Tensor.of(new float[50], 1, 50, 1, 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.call(in));
            assertTrue(e.getMessage().contains("no pixel"), e.getMessage());
        }
        try (Layer l = layer("{'height': 4, 'width': 4, 'scale': [0.2, 0.9], 'ratio': [0.5, 2.0], 'seed': 3}");
             Layer back = Layers.fromConfig(Layers.toConfig(l), KerasVersion.KERAS_3)) {
            assertEquals(Layers.toConfig(l), Layers.toConfig(back));
        }
    }
}
