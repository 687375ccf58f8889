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
 * tf.keras' other resize methods in UpSampling2D and Resizing: {@code area} (TensorFlow's
 * ResizeArea) and {@code lanczos3}, {@code lanczos5}, {@code gaussian}, {@code mitchellcubic}
 * (its ScaleAndTranslate without antialiasing), against their definitions written out in double
 * (each output the normalized kernel-weighted sum over the input pixels its span covers; area's the
 * covered fractions of pixels over the covered area), up and down, both data formats.
 */
class ResizeKernelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] METHODS = {"area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"};

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}").replace('\'', '"')));
    }

    private static double kernel(String method, double x) {
        x = Math.abs(x);
        switch (method) {
            case "bilinear" -> {
                return x < 1 ? 1 - x : 0; // antialiased: a triangle
            }
            case "bicubic" -> {
                // antialiased: Keys' cubic
                if (x >= 2) return 0;
                return x >= 1 ? ((-0.5 * x + 2.5) * x - 4) * x + 2 : (1.5 * x - 2.5) * x * x + 1;
            }
            case "lanczos3", "lanczos5" -> {
                double r = method.equals("lanczos3") ? 3 : 5;
                if (x > r) return 0;
                if (x <= 1e-3) return 1;
                return r * Math.sin(Math.PI * x) * Math.sin(Math.PI * x / r) / (Math.PI * Math.PI * x * x);
            }
            case "gaussian" -> {
                return x >= 1.5 ? 0 : Math.exp(-x * x / (2 * 0.25));
            }
            default -> {
                if (x >= 2) return 0;
                if (x >= 1) return ((-7.0 / 18 * x + 2) * x - 10.0 / 3) * x + 16.0 / 9;
                return (7.0 / 6 * x - 2) * x * x + 8.0 / 9;
            }
        }
    }

    private static double radius(String method) {
        return switch (method) {
            case "bilinear" -> 1;
            case "lanczos3" -> 3;
            case "lanczos5" -> 5;
            case "gaussian" -> 1.5;
            default -> 2;
        };
    }

    /** The weights of every input index for output {@code o} along an axis of {@code in} to {@code out}. */
    private static double[] weights(String method, int o, int in, int out) {
        return weights(method, o, in, out, false);
    }

    /** With {@code antialias}, a downscale's kernel is widened by {@code in / out} (TensorFlow's ScaleAndTranslate). */
    private static double[] weights(String method, int o, int in, int out, boolean antialias) {
        double[] w = new double[in];
        if (method.equals("area")) {
            // the covered part of each pixel of [o * in / out, (o + 1) * in / out), over the covered length
            double lo = (double) o * in / out;
            double hi = (double) (o + 1) * in / out;
            for (int i = 0; i < in; i++) w[i] = Math.max(0, Math.min(hi, i + 1) - Math.max(lo, i)) / (hi - lo);
            return w;
        }
        // positions in float32, as TensorFlow computes them: a tap on the kernel's edge (a Gaussian's 1.5)
        // falls in or out with their rounding
        float inverse = (float) (1.0 / ((float) out / (float) in));
        float sample = (o + 0.5f) * inverse;
        if (sample < 0 || sample > in) return w;
        float widen = antialias ? Math.max(inverse, 1f) : 1f;
        float r = (float) radius(method) * widen;
        int start = (int) Math.max(0, Math.ceil(sample - r - 0.5f));
        int end = (int) Math.min(in - 1, Math.floor(sample + r - 0.5f)) + 1;
        double total = 0;
        for (int i = start; i < end; i++) total += w[i] = kernel(method, ((float) i + 0.5f - sample) * (1f / widen));
        for (int i = start; i < end; i++) w[i] /= total;
        return w;
    }

    /** The resize of a channels-last (1, h, w, c) image in double. */
    private static double[] reference(String method, float[] x, int h, int w, int c, int oh, int ow) {
        return reference(method, false, x, h, w, c, oh, ow);
    }

    private static double[] reference(String method, boolean antialias, float[] x, int h, int w, int c, int oh, int ow) {
        double[] out = new double[oh * ow * c];
        for (int y = 0; y < oh; y++) {
            double[] wy = weights(method, y, h, oh, antialias);
            for (int xo = 0; xo < ow; xo++) {
                double[] wx = weights(method, xo, w, ow, antialias);
                for (int ch = 0; ch < c; ch++) {
                    double sum = 0;
                    for (int i = 0; i < h; i++) {
                        if (wy[i] == 0) continue;
                        for (int j = 0; j < w; j++) if (wx[j] != 0) sum += wy[i] * wx[j] * x[(i * w + j) * c + ch];
                    }
                    out[(y * ow + xo) * c + ch] = sum;
                }
            }
        }
        return out;
    }

    private static float[] toChannelsFirst(float[] x, int h, int w, int c) {
        float[] y = new float[x.length];
        for (int i = 0; i < h * w; i++) for (int ch = 0; ch < c; ch++) y[ch * h * w + i] = x[i * c + ch];
        return y;
    }

    private static void assertClose(double[] want, float[] got, String what) {
        double largest = 0;
        for (double v : want) largest = Math.max(largest, Math.abs(v));
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 2e-5 * (1 + largest), what + " at " + i);
        }
    }

    @Test
    void upSampling2DAndResizingMatchTheDefinitionsInBothFormats() throws Exception {
        Random r = new Random(9);
        for (String method : METHODS) {
            for (int i = 0; i < 12; i++) {
                int h = 1 + r.nextInt(7);
                int w = 1 + r.nextInt(7);
                int c = 1 + r.nextInt(3);
                float[] x = new float[h * w * c];
                for (int k = 0; k < x.length; k++) x[k] = (float) r.nextGaussian();
                boolean up = i % 2 == 0;
                int sh = 1 + r.nextInt(3);
                int sw = 2 + r.nextInt(2);
                int oh = up ? h * sh : 1 + r.nextInt(9);
                int ow = up ? w * sw : 1 + r.nextInt(9);
                double[] want = reference(method, x, h, w, c, oh, ow);
                String last = up ? "{'size': [" + sh + ", " + sw + "], 'interpolation': '" + method + "'}"
                        : "{'height': " + oh + ", 'width': " + ow + ", 'interpolation': '" + method + "'}";
                String first = last.replace("}", ", 'data_format': 'channels_first'}");
                String cls = up ? "UpSampling2D" : "Resizing";
                try (Layer a = layer(cls, last); Layer b = layer(cls, first); Tensor in = Tensor.of(x, 1, h, w, c);
                     Tensor inFirst = Tensor.of(toChannelsFirst(x, h, w, c), 1, c, h, w);
                     Tensor outLast = a.call(in); Tensor outFirst = b.call(inFirst)) {
                    assertArrayEquals(new long[] {1, oh, ow, c}, outLast.shape(), last);
                    float[] got = outLast.toFloatArray();
                    if (oh == h && ow == w) {
                        assertArrayEquals(x, got, 0f, "a size that stays is TensorFlow's copy: " + last);
                    } else {
                        assertClose(want, got, cls + " " + last + " on " + h + "x" + w);
                    }
                    assertArrayEquals(toChannelsFirst(got, oh, ow, c), outFirst.toFloatArray(), 0f, "channels_first " + last);
                    assertTrue(a.implementations(in.shape()).stream().noneMatch(s -> s.contains("ref")));
                }
            }
        }
    }

    /** Keras 3's antialias=True: tf.image.resize's ScaleAndTranslate, the kernel widened on a downscale. */
    @Test
    void antialiasedResizingFiltersDownscales() throws Exception {
        Random r = new Random(10);
        for (String method : new String[] {"bilinear", "bicubic", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"}) {
            for (int i = 0; i < 8; i++) {
                int h = 4 + r.nextInt(12);
                int w = 4 + r.nextInt(12);
                int c = 1 + r.nextInt(2);
                int oh = 1 + r.nextInt(i % 2 == 0 ? h : 2 * h); // downscales, and some upscales
                int ow = 1 + r.nextInt(i % 2 == 0 ? w : 2 * w);
                float[] x = new float[h * w * c];
                for (int k = 0; k < x.length; k++) x[k] = (float) r.nextGaussian();
                String config = "{'height': " + oh + ", 'width': " + ow + ", 'interpolation': '" + method
                        + "', 'antialias': true}";
                try (Layer l = layer("Resizing", config); Tensor in = Tensor.of(x, 1, h, w, c); Tensor out = l.call(in)) {
                    float[] got = out.toFloatArray();
                    if (oh == h && ow == w) {
                        assertArrayEquals(x, got, 0f, config);
                    } else {
                        assertClose(reference(method, true, x, h, w, c, oh, ow), got, config + " on " + h + "x" + w);
                    }
                }
            }
        }
        // nearest and area ignore it, as tf.image.resize does
        float[] x = new float[6 * 6];
        for (int k = 0; k < x.length; k++) x[k] = k % 7;
        for (String method : new String[] {"nearest", "area"}) {
            try (Layer a = layer("Resizing", "{'height': 4, 'width': 3, 'interpolation': '" + method + "', 'antialias': true}");
                 Layer b = layer("Resizing", "{'height': 4, 'width': 3, 'interpolation': '" + method + "'}");
                 Tensor in = Tensor.of(x, 1, 6, 6, 1); Tensor ya = a.call(in); Tensor yb = b.call(in)) {
                assertArrayEquals(yb.toFloatArray(), ya.toFloatArray(), 0f, method);
            }
        }
    }

    @Test
    void areaAveragesBlocksAndAGaussianKeepsAConstant() throws Exception {
        float[] x = new float[4 * 6];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.25f - 2;
        try (Layer l = layer("Resizing", "{'height': 2, 'width': 3, 'interpolation': 'area'}");
             Tensor in = Tensor.of(x, 1, 4, 6, 1); Tensor out = l.call(in)) {
            float[] y = out.toFloatArray();
            for (int oy = 0; oy < 2; oy++) {
                for (int ox = 0; ox < 3; ox++) {
                    double mean = 0;
                    for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) mean += x[(oy * 2 + dy) * 6 + ox * 2 + dx] / 4.0;
                    assertEquals(mean, y[oy * 3 + ox], 1e-6, "block (" + oy + ", " + ox + ")");
                }
            }
        }
        float[] constant = new float[5 * 5];
        java.util.Arrays.fill(constant, -1.75f);
        for (String method : METHODS) {
            try (Layer l = layer("UpSampling2D", "{'size': [3, 2], 'interpolation': '" + method + "'}");
                 Tensor in = Tensor.of(constant, 1, 5, 5, 1); Tensor out = l.call(in)) {
                for (float v : out.toFloatArray()) assertEquals(-1.75f, v, 4e-6f, method);
            }
        }
    }

    @Test
    void unknownMethodsAreRefusedWithKerasList() throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> layer("UpSampling2D", "{'interpolation': 'cubic'}"));
        assertTrue(e.getMessage().contains("\"mitchellcubic\"") && e.getMessage().contains("cubic"), e.getMessage());
        var r = assertThrows(IllegalArgumentException.class, () -> layer("Resizing", "{'height': 2, 'width': 2,"
                + " 'interpolation': 'cubic'}"));
        assertTrue(r.getMessage().contains("interpolation"), r.getMessage());
    }
}
