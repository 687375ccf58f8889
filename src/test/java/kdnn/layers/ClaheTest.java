package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's ContrastLimitedAdaptiveHistogramEqualization: with one tile and no clipping it is the
 * textbook histogram equalization ({@code (cdf(v) - cdf_min) * 255 / (n - cdf_min)}); at a tile's
 * centre a pixel takes its own tile's mapping alone; the clip limit spreads a spike's excess over
 * every bin; value_range and data_format; Keras' refusals and TensorFlow's.
 */
class ClaheTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'ContrastLimitedAdaptiveHistogramEqualization',"
                + " 'config': " + config + "}").replace('\'', '"')), KerasVersion.KERAS_3);
    }

    /** Histogram equalization of one channel's values (whole numbers in [0, 255]), in double. */
    private static double[] equalized(float[] v) {
        int[] hist = new int[256];
        for (float x : v) hist[(int) x]++;
        long[] cdf = new long[256];
        long sum = 0;
        for (int i = 0; i < 256; i++) cdf[i] = sum += hist[i];
        long min = cdf[0];
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (cdf[(int) v[i]] - min) * 255.0 / (v.length - min);
        return out;
    }

    @Test
    void oneTileWithoutClippingIsHistogramEqualization() throws Exception {
        Random r = new Random(1);
        float[] x = new float[12 * 10];
        for (int i = 0; i < x.length; i++) x[i] = 40 + r.nextInt(60); // a dull image
        try (Layer l = layer("{'tile_grid_size': [1, 1], 'clip_limit': 0}"); Tensor in = Tensor.of(x, 1, 12, 10, 1);
             Tensor out = l.call(in)) {
            double[] want = equalized(x);
            float[] got = out.toFloatArray();
            for (int i = 0; i < x.length; i++) assertEquals(want[i], got[i], 1e-4, "pixel " + i);
            float max = 0;
            for (float g : got) max = Math.max(max, g);
            assertEquals(255f, max, 1e-4f, "the brightest value stretched to 255");
        }
    }

    /** An image large enough for its rows to run in parts over the OpenMP team: the same equalization. */
    @Test
    void aLargeImageInPartsIsStillHistogramEqualization() throws Exception {
        Random r = new Random(5);
        float[] x = new float[128 * 128];
        for (int i = 0; i < x.length; i++) x[i] = 30 + r.nextInt(90);
        try (Layer l = layer("{'tile_grid_size': [1, 1], 'clip_limit': 0}"); Tensor in = Tensor.of(x, 1, 128, 128, 1);
             Tensor out = l.call(in)) {
            double[] want = equalized(x);
            float[] got = out.toFloatArray();
            for (int i = 0; i < x.length; i++) assertEquals(want[i], got[i], 1e-4, "pixel " + i);
        }
    }

    /** A tile's centre (an even tile size) lies on the grid: its tile's mapping alone, the same as that tile equalized. */
    @Test
    void aTilesCentreTakesItsOwnMapping() throws Exception {
        Random r = new Random(2);
        int h = 8, w = 12; // a 2 x 3 grid of 4 x 4 tiles
        float[] x = new float[h * w * 2];
        for (int i = 0; i < x.length; i++) x[i] = r.nextInt(256);
        try (Layer l = layer("{'tile_grid_size': [2, 3], 'clip_limit': 0}"); Tensor in = Tensor.of(x, 1, h, w, 2);
             Tensor out = l.call(in)) {
            float[] got = out.toFloatArray();
            for (int ty = 0; ty < 2; ty++) {
                for (int tx = 0; tx < 3; tx++) {
                    for (int c = 0; c < 2; c++) {
                        float[] tile = new float[16];
                        for (int k = 0; k < 16; k++) tile[k] = x[((ty * 4 + k / 4) * w + tx * 4 + k % 4) * 2 + c];
                        double[] want = equalized(tile);
                        // the centre pixel (2, 2) of the tile: position k = 2 * 4 + 2
                        int y = ty * 4 + 2;
                        int xx = tx * 4 + 2;
                        assertEquals(want[10], got[(y * w + xx) * 2 + c], 1e-4, "tile (" + ty + ", " + tx + ") channel " + c);
                    }
                }
            }
        }
    }

    @Test
    void theClipLimitSpreadsASpikesExcessAndValueRangeAndDataFormatApply() throws Exception {
        // one tile of 16 pixels, 12 of them one value: limit 2 * 16 / 256 = 0.125 per bin
        float[] x = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 50, 100, 150, 200};
        try (Layer clipped = layer("{'tile_grid_size': [1, 1], 'clip_limit': 2.0}");
             Layer free = layer("{'tile_grid_size': [1, 1], 'clip_limit': 0}");
             Tensor in = Tensor.of(x, 1, 4, 4, 1); Tensor a = clipped.call(in); Tensor b = free.call(in)) {
            // every bin holds 0.125 after clipping plus the excess (16 - 5 * 0.125) / 256 spread: the mapping is
            // nearly the identity; without clipping the spike's 12 pixels jump to 12 * 255 / 16 (cdf_min is 0)
            float[] ya = a.toFloatArray();
            float[] yb = b.toFloatArray();
            assertEquals(191.25f, yb[0], 1e-4f);
            assertEquals(equalized(x)[13], yb[13], 1e-4);
            assertTrue(Math.abs(ya[12] - 50) < 6 && Math.abs(ya[15] - 200) < 6, java.util.Arrays.toString(ya));
        }
        Random r = new Random(3);
        float[] y = new float[2 * 9 * 7 * 3];
        for (int i = 0; i < y.length; i++) y[i] = r.nextFloat();
        float[] first = new float[y.length];
        for (int n = 0; n < 2; n++) {
            for (int p = 0; p < 63; p++) for (int c = 0; c < 3; c++) first[n * 189 + c * 63 + p] = y[n * 189 + p * 3 + c];
        }
        try (Layer last = layer("{'value_range': [0, 1], 'tile_grid_size': [3, 2]}");
             Layer cf = layer("{'value_range': [0, 1], 'tile_grid_size': [3, 2], 'data_format': 'channels_first'}");
             Tensor in = Tensor.of(y, 2, 9, 7, 3); Tensor inFirst = Tensor.of(first, 2, 3, 9, 7);
             Tensor a = last.call(in); Tensor b = cf.call(inFirst)) {
            float[] ya = a.toFloatArray();
            float[] yb = b.toFloatArray();
            for (float v : ya) assertTrue(v >= 0 && v <= 1, "back in value_range: " + v);
            for (int n = 0; n < 2; n++) {
                for (int p = 0; p < 63; p++) {
                    for (int c = 0; c < 3; c++) assertEquals(ya[n * 189 + p * 3 + c], yb[n * 189 + c * 63 + p], 0f);
                }
            }
        }
    }

    @Test
    void refusals() throws Exception {
        String[][] cases = {
                {"{'tile_grid_size': [0, 2]}", "tile_grid_size"},
                {"{'tile_grid_size': [2]}", "tile_grid_size"},
                {"{'value_range': [1, 1]}", "value_range"},
                {"{'clip_limit': 'high'}", "clip_limit"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        try (Layer l = layer("{'tile_grid_size': [8, 8]}"); Tensor small = Tensor.of(new float[3 * 20], 1, 3, 20, 1)) {
            // 3 rows in 8 tiles of 1: 5 rows of padding, more than the image has
            var e = assertThrows(IllegalArgumentException.class, () -> l.call(small));
            assertTrue(e.getMessage().contains("MirrorPad"), e.getMessage());
        }
        float[] x = new float[16];
        x[5] = Float.NaN;
        try (Layer l = layer("{'tile_grid_size': [2, 2]}"); Tensor in = Tensor.of(x, 1, 4, 4, 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.call(in));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        }
        try (Layer l = layer("{'value_range': [0, 1], 'clip_limit': 3.5, 'tile_grid_size': [4, 2]}");
             Layer back = Layers.fromConfig(Layers.toConfig(l), KerasVersion.KERAS_3)) {
            assertEquals(Layers.toConfig(l), Layers.toConfig(back));
            assertArrayEquals(new long[] {-1, 8, 8, 3}, l.computeOutputShape(new long[] {-1, 8, 8, 3}));
        }
    }
}
