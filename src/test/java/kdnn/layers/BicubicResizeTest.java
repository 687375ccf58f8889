package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceShapeOps;
import org.junit.jupiter.api.Test;

/**
 * {@code interpolation="bicubic"} in UpSampling2D and Resizing: TensorFlow's ResizeBicubic, bitwise
 * the reference written out pixel by pixel from its kernel (NaN and infinities where it has them),
 * for both data formats, up and down, through Resizing's crop and pad; and, as a check on the
 * reading of the kernel itself, within rounding of Keys' continuous cubic where its table is exact.
 */
class BicubicResizeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}").replace('\'', '"')));
    }

    private static void assertBitwise(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            // any NaN for a NaN; zeros and everything else by their bits
            if (Float.isNaN(want[i]) && Float.isNaN(got[i])) continue;
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), what + " at " + i + ": want "
                    + want[i] + ", got " + got[i]);
        }
    }

    @Test
    void upSampling2DIsTensorFlowsResizeBicubic() throws Exception {
        Random r = new Random(5);
        for (int i = 0; i < 40; i++) {
            boolean first = r.nextBoolean();
            int sh = 1 + r.nextInt(3);
            int sw = 1 + r.nextInt(3);
            int n = 1 + r.nextInt(2);
            int c = 1 + r.nextInt(4);
            int h = 1 + r.nextInt(6);
            int w = 1 + r.nextInt(6);
            int[] shape = first ? new int[] {n, c, h, w} : new int[] {n, h, w, c};
            float[] x = new float[n * c * h * w];
            for (int k = 0; k < x.length; k++) x[k] = (float) (r.nextGaussian() * 3);
            if (i % 5 == 4) x[r.nextInt(x.length)] = r.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
            String config = "{'size': [" + sh + ", " + sw + "], 'interpolation': 'bicubic', 'data_format': '"
                    + (first ? "channels_first" : "channels_last") + "'}";
            try (Layer l = layer("UpSampling2D", config); Tensor in = Tensor.of(x, java.util.Arrays.stream(shape)
                    .asLongStream().toArray()); Tensor out = l.call(in)) {
                RefArray want = ReferenceShapeOps.resizeBicubic(new RefArray(shape, x), h * sh, w * sw, first);
                assertArrayEquals(java.util.Arrays.stream(want.shape()).asLongStream().toArray(), out.shape(), config);
                assertBitwise(want.data(), out.toFloatArray(), config);
            }
        }
    }

    @Test
    void resizingUpDownCroppedAndPadded() throws Exception {
        Random r = new Random(6);
        for (int i = 0; i < 40; i++) {
            boolean first = r.nextBoolean();
            int h = 2 + r.nextInt(9);
            int w = 2 + r.nextInt(9);
            int oh = 1 + r.nextInt(12);
            int ow = 1 + r.nextInt(12);
            int c = 1 + r.nextInt(3);
            String extra = i % 3 == 1 ? ", 'crop_to_aspect_ratio': true" : i % 3 == 2 ? ", 'pad_to_aspect_ratio': true,"
                    + " 'fill_value': 0.5" : "";
            int[] shape = first ? new int[] {1, c, h, w} : new int[] {1, h, w, c};
            float[] x = new float[c * h * w];
            for (int k = 0; k < x.length; k++) x[k] = (float) r.nextGaussian();
            String config = "{'height': " + oh + ", 'width': " + ow + ", 'interpolation': 'bicubic', 'data_format': '"
                    + (first ? "channels_first" : "channels_last") + "'" + extra + "}";
            try (Layer l = layer("Resizing", config); Tensor in = Tensor.of(x, java.util.Arrays.stream(shape)
                    .asLongStream().toArray()); Tensor out = l.call(in)) {
                // the window Resizing resizes (its arithmetic is ResizingTest's): then TensorFlow's bicubic of it
                kdnn.runtime.Resizes.Window win = i % 3 == 1 ? ResizeWindows.cropToAspectRatio(h, w, oh, ow)
                        : i % 3 == 2 ? ResizeWindows.padToAspectRatio(h, w, oh, ow, 0.5f) : kdnn.runtime.Resizes.Window.whole(h, w);
                RefArray image = ReferenceShapeOps.window(new RefArray(shape, x), (int) win.shiftY(), (int) win.shiftX(),
                        (int) win.imageHeight(), (int) win.imageWidth(), win.fill(), first);
                RefArray want = ReferenceShapeOps.resizeBicubic(image, oh, ow, first);
                assertBitwise(want.data(), out.toFloatArray(), config);
            }
        }
    }

    /** Doubling a smooth image: Keys' cubic at offsets 1/4 and 3/4, which TensorFlow's table holds exactly. */
    @Test
    void doublingFollowsKeysCubicAndKeepsAConstant() throws Exception {
        int h = 6;
        int w = 7;
        float[] x = new float[h * w];
        for (int y = 0; y < h; y++) for (int xx = 0; xx < w; xx++) x[y * w + xx] = (float) Math.sin(0.3 * y + 0.2 * xx);
        try (Layer l = layer("UpSampling2D", "{'size': [2, 2], 'interpolation': 'bicubic'}");
             Tensor in = Tensor.of(x, 1, h, w, 1); Tensor out = l.call(in)) {
            float[] y = out.toFloatArray();
            for (int oy = 0; oy < 2 * h; oy++) {
                for (int ox = 0; ox < 2 * w; ox++) {
                    double want = 0;
                    double wsum = 0;
                    double py = (oy + 0.5) / 2 - 0.5;
                    double px = (ox + 0.5) / 2 - 0.5;
                    double[] wy = new double[h];
                    double[] wx = new double[w];
                    double sy = 0;
                    double sx = 0;
                    for (int k = 0; k < h; k++) sy += wy[k] = cubic(py - k);
                    for (int k = 0; k < w; k++) sx += wx[k] = cubic(px - k);
                    for (int ky = 0; ky < h; ky++) {
                        for (int kx = 0; kx < w; kx++) {
                            want += x[ky * w + kx] * wy[ky] / sy * wx[kx] / sx;
                            wsum += wy[ky] / sy * wx[kx] / sx;
                        }
                    }
                    assertEquals(1.0, wsum, 1e-12);
                    assertEquals(want, y[oy * 2 * w + ox], 2e-6, "(" + oy + ", " + ox + ")");
                }
            }
        }
        float[] constant = new float[4 * 5];
        java.util.Arrays.fill(constant, 2.5f);
        try (Layer l = layer("UpSampling2D", "{'size': [3, 2], 'interpolation': 'bicubic'}");
             Tensor in = Tensor.of(constant, 1, 4, 5, 1); Tensor out = l.call(in)) {
            for (float v : out.toFloatArray()) assertEquals(2.5f, v, 2e-6f);
        }
        // a size of 1 each way is TensorFlow's copy: an infinity stays one
        try (Layer l = layer("UpSampling2D", "{'size': [1, 1], 'interpolation': 'bicubic'}");
             Tensor in = Tensor.of(new float[] {1, Float.POSITIVE_INFINITY, 3, 4}, 1, 2, 2, 1); Tensor out = l.call(in)) {
            assertArrayEquals(new float[] {1, Float.POSITIVE_INFINITY, 3, 4}, out.toFloatArray());
        }
    }

    /** Keys' cubic, a = -0.5, zero past 2 (taps outside the image carry no weight and the rest are renormalized). */
    private static double cubic(double d) {
        double a = -0.5;
        double t = Math.abs(d);
        return t <= 1 ? ((a + 2) * t - (a + 3)) * t * t + 1 : t < 2 ? ((a * t - 5 * a) * t + 8 * a) * t - 4 * a : 0;
    }
}
