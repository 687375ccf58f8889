package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's STFTSpectrogram against the transform written out in double from its definition
 * (frames of the zero-padded signal, times the window over its norm, against cos and sin of
 * {@code -2 pi t f / n}), every mode, both data formats, expand_dims, both paddings, the windows
 * kdnn makes, custom windows and none; Keras' docstring shapes; its refusals; the weights a file
 * sets.
 */
class STFTSpectrogramTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The window in double from its textbook formula (not SciPy's linspace form the layer follows). */
    private static double[] window(JsonNode w, int m, boolean periodic) {
        double[] out = new double[m];
        if (w == null) {
            java.util.Arrays.fill(out, 1);
            return out;
        }
        if (w.isArray()) {
            for (int i = 0; i < m; i++) out[i] = (float) w.get(i).asDouble();
            return out;
        }
        double a = w.asText().equals("hamming") ? 0.54 : 0.5;
        int d = periodic ? m : m - 1;
        for (int i = 0; i < m; i++) out[i] = m == 1 ? 1 : a - (1 - a) * Math.cos(2 * Math.PI * i / d);
        return out;
    }

    /** Keras' output for (batch, samples, channels) or (batch, channels, samples) {@code x}, in double. */
    private static double[] reference(STFTSpectrogram l, JsonNode config, float[] x, long[] shape) {
        String mode = config.get("mode").asText();
        boolean last = config.get("data_format").asText().equals("channels_last");
        boolean expand = config.get("expand_dims").asBoolean();
        int k = config.get("frame_length").asInt();
        int step = l.step();
        int bins = l.bins();
        int n = (bins - 1) * 2;
        JsonNode win = config.get("window").isNull() ? null : config.get("window");
        double[] w = window(win, k, config.get("periodic").asBoolean());
        double scale = 1;
        if (win != null && config.get("scaling").asText("").equals("density")) {
            double s = 0;
            for (double v : w) s += v * v;
            scale = Math.sqrt(s);
        } else if (win != null && config.get("scaling").asText("").equals("spectrum")) {
            double s = 0;
            for (double v : w) s += Math.abs(v);
            scale = s;
        }
        long batch = shape[0];
        long channels = last ? shape[2] : shape[1];
        int length = (int) (last ? shape[1] : shape[2]);
        boolean same = config.get("padding").asText().equals("same");
        int frames = same ? (length + step - 1) / step : (length - k) / step + 1;
        int padLeft = same ? Math.max((frames - 1) * step + k - length, 0) / 2 : 0;
        int j = mode.equals("stft") ? 2 * bins : bins;
        double[] out = new double[(int) (batch * channels * frames * j)];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < frames; t++) {
                    double[] re = new double[bins];
                    double[] im = new double[bins];
                    for (int f = 0; f < bins; f++) {
                        for (int s = 0; s < k; s++) {
                            int at = t * step - padLeft + s;
                            if (at < 0 || at >= length) continue;
                            double v = x[(int) (last ? (b * length + at) * channels + c : (b * channels + c) * length + at)];
                            double arg = -2 * Math.PI * s * f / n;
                            re[f] += v * Math.cos(arg) * w[s] / scale;
                            im[f] += v * Math.sin(arg) * w[s] / scale;
                        }
                    }
                    for (int q = 0; q < j; q++) {
                        int f = q % bins;
                        double p = re[f] * re[f] + im[f] * im[f];
                        double v = switch (mode) {
                            case "real" -> re[f];
                            case "imag" -> im[f];
                            case "stft" -> q < bins ? re[f] : im[f];
                            case "angle" -> Math.atan2(im[f], re[f]);
                            case "psd" -> f >= 1 && f <= bins - 2 ? 2 * p : p;
                            case "magnitude" -> Math.sqrt(Math.max(p, 1e-7));
                            default -> Math.log(Math.sqrt(Math.max(p, 1e-7)));
                        };
                        long idx = last ? (expand ? ((b * frames + t) * (long) j + q) * channels + c
                                : (b * frames + t) * (channels * j) + c * (long) j + q)
                                : (expand ? ((b * channels + c) * frames + t) * (long) j + q
                                : (b * (channels * j) + c * (long) j + q) * frames + t);
                        out[(int) idx] = v;
                    }
                }
            }
        }
        return out;
    }

    private static STFTSpectrogram layer(String config) throws Exception {
        return (STFTSpectrogram) Layers.fromConfig(JSON.readTree(("{'class_name': 'STFTSpectrogram', 'config': " + config
                + "}").replace('\'', '"')), KerasVersion.KERAS_3);
    }

    private static void assertClose(double[] want, float[] got, double tolerance, String what) {
        assertEquals(want.length, got.length, what);
        double largest = 0;
        for (double v : want) if (Double.isFinite(v)) largest = Math.max(largest, Math.abs(v));
        for (int i = 0; i < want.length; i++) {
            if (!Double.isFinite(want[i])) {
                // NaN and infinities exactly where the transform has them
                if (Double.compare(want[i], got[i]) != 0 && !(Double.isNaN(want[i]) && Float.isNaN(got[i]))) {
                    throw new AssertionError(what + " at " + i + ": want " + want[i] + ", got " + got[i]);
                }
                continue;
            }
            double err = Math.abs(want[i] - got[i]);
            // angles near +-pi of a part near 0 flip sign; compare them on the circle
            if (Math.abs(want[i]) > 3 && err > Math.PI) err = Math.abs(err - 2 * Math.PI);
            if (!(err <= tolerance * (1 + largest))) {
                throw new AssertionError(what + " at " + i + ": want " + want[i] + ", got " + got[i]);
            }
        }
    }

    @Test
    void everyModeFormatPaddingAndWindowMatchesTheTransform() throws Exception {
        Random r = new Random(11);
        String[] windows = {"'hann'", "'hamming'", "null", "[0.2, 0.9, 1.0, 0.7, 0.3, 0.5, 0.8, 0.1, 0.6, 0.4]"};
        int cases = 0;
        for (String mode : STFTSpectrogram.MODES) {
            for (int i = 0; i < 12; i++) {
                boolean last = r.nextBoolean();
                boolean custom = i % 4 == 3;
                int k = custom ? 10 : 4 + r.nextInt(13);
                String window = windows[custom ? 3 : r.nextInt(3)];
                int step = 1 + r.nextInt(k);
                Integer fft = r.nextBoolean() ? null : k + r.nextInt(9);
                String config = "{'mode': '" + mode + "', 'frame_length': " + k + ", 'frame_step': " + (r.nextInt(4) == 0
                        ? "null" : step) + ", 'fft_length': " + fft + ", 'window': " + window + ", 'periodic': "
                        + r.nextBoolean() + ", 'scaling': " + new String[] {"'density'", "'spectrum'", "null"}[r.nextInt(3)]
                        + ", 'padding': '" + (r.nextBoolean() ? "same" : "valid") + "', 'expand_dims': " + r.nextBoolean()
                        + ", 'data_format': '" + (last ? "channels_last" : "channels_first") + "'}";
                int batch = 1 + r.nextInt(2);
                int channels = 1 + r.nextInt(3);
                int length = k + r.nextInt(40);
                long[] shape = last ? new long[] {batch, length, channels} : new long[] {batch, channels, length};
                float[] x = new float[batch * channels * length];
                for (int v = 0; v < x.length; v++) x[v] = (float) r.nextGaussian();
                try (STFTSpectrogram l = layer(config); Tensor in = Tensor.of(x, shape); Tensor out = l.call(in)) {
                    JsonNode c = l.getConfig();
                    assertArrayEquals(l.computeOutputShape(shape), out.shape(), config);
                    double[] want = reference(l, c, x, shape);
                    assertClose(want, out.toFloatArray(), mode.equals("angle") ? 2e-3 : 2e-5, config);
                    assertFalse(l.implementations(in.shape()).stream().anyMatch(s -> s.startsWith("ref")),
                            "oneDNN's reference kernels: " + l.implementations(in.shape()));
                    cases++;
                }
            }
        }
        assertEquals(84, cases);
    }

    @Test
    void kerasDocstringShapes() throws Exception {
        try (STFTSpectrogram a = layer("{'mode': 'log', 'frame_length': 256, 'frame_step': 128, 'fft_length': 512,"
                + " 'window': 'hann', 'padding': 'valid'}");
             STFTSpectrogram b = layer("{'mode': 'log', 'frame_length': 256, 'frame_step': 128, 'fft_length': 512,"
                     + " 'window': 'hamming', 'padding': 'same'}");
             STFTSpectrogram c = layer("{'mode': 'log', 'frame_length': 256, 'frame_step': 128, 'fft_length': 512,"
                     + " 'padding': 'same', 'expand_dims': true}")) {
            assertArrayEquals(new long[] {3, 1249, 257}, a.computeOutputShape(new long[] {3, 160000, 1}));
            assertArrayEquals(new long[] {3, 1250, 514}, b.computeOutputShape(new long[] {3, 160000, 2}));
            assertArrayEquals(new long[] {3, 1250, 257, 3}, c.computeOutputShape(new long[] {3, 160000, 3}));
            // ten seconds at 16 kHz: no reference kernel (a convolution of one input channel would be one)
            for (STFTSpectrogram l : List.of(a, b, c)) {
                List<String> kernels = l.implementations(3, 160000, l == a ? 1 : l == b ? 2 : 3);
                assertFalse(kernels.stream().anyMatch(s -> s.contains("ref")), kernels.toString());
            }
        }
    }

    @Test
    void aFrameAsLongAsTheSignalAndExtremes() throws Exception {
        // one frame (the signal's whole length, read with stride 1), and a NaN and an infinity in the signal
        try (STFTSpectrogram l = layer("{'mode': 'magnitude', 'frame_length': 16, 'frame_step': 8, 'window': null}")) {
            float[] x = new float[16];
            for (int i = 0; i < 16; i++) x[i] = (float) Math.sin(i);
            try (Tensor in = Tensor.of(x, 1, 16, 1); Tensor out = l.call(in)) {
                assertArrayEquals(new long[] {1, 1, 9}, out.shape());
                assertClose(reference(l, l.getConfig(), x, new long[] {1, 16, 1}), out.toFloatArray(), 2e-5, "one frame");
            }
        }
        try (STFTSpectrogram l = layer("{'mode': 'log', 'frame_length': 8, 'frame_step': 8, 'window': null}")) {
            float[] x = new float[32];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.4);
            x[3] = Float.NaN;
            x[20] = Float.POSITIVE_INFINITY;
            for (int i = 24; i < 32; i++) x[i] = 0; // frame 3 silent
            try (Tensor in = Tensor.of(x, 1, 32, 1); Tensor out = l.call(in)) {
                float[] y = out.toFloatArray();
                for (int f = 0; f < 5; f++) {
                    assertTrue(Float.isNaN(y[f]), "frame 0 holds the NaN: " + y[f]);
                    assertTrue(Float.isFinite(y[5 + f]), "frame 1: " + y[5 + f]);
                    // bin 0's imaginary part meets Inf * sin(0): NaN; the others' parts are infinite
                    assertTrue(f == 0 ? Float.isNaN(y[10 + f]) : y[10 + f] == Float.POSITIVE_INFINITY,
                            "frame 2 holds the infinity: " + y[10 + f]);
                }
                assertClose(reference(l, l.getConfig(), x, new long[] {1, 32, 1}), y, 2e-5, "extremes");
                // a silent frame: log(sqrt(max(0, 1e-7))) in float32 (oneDNN's log within a few ulps)
                assertEquals((float) Math.log((float) Math.sqrt(1e-7f)), y[15], 4e-6f);
            }
        }
    }

    @Test
    void refusals() throws Exception {
        String[][] cases = {
                {"{'frame_length': 8, 'frame_step': 9}", "`frame_step` should be a positive integer not greater than"},
                {"{'frame_length': 8, 'frame_step': 0}", "frame_step=0"},
                {"{'frame_length': 8, 'fft_length': 4}", "`fft_length` should be not less than `frame_length`"},
                {"{'mode': 'power'}", "Output mode is invalid, it must be one of log, magnitude, psd, real, imag, angle,"
                        + " stft. Received: mode=power"},
                {"{'scaling': 'l2'}", "Scaling is invalid"},
                {"{'padding': 'causal'}", "Padding is invalid, it should be 'valid', 'same'. Received: padding=causal"},
                {"{'window': 'hanning-ish'}", "Unknown window type: window=hanning-ish"},
                {"{'window': 3}", "window"},
                {"{'frame_length': 0}", "frame_length"},
                // the default fft_length's power of two past an int: its search never ended (the hostile properties' find)
                {"{'frame_length': 2147483647}", "makes the default fft_length 2**31"},
                {"{'frame_length': 1073741825, 'frame_step': 1}", "makes the default fft_length 2**31"}};
        for (String[] c : cases) {
            var e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                    () -> assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        try (STFTSpectrogram l = layer("{'frame_length': 8}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {1, 7, 1}));
            assertTrue(e.getMessage().contains("Computed output size would be negative"), e.getMessage());
            var rank = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {1, 7}));
            assertTrue(rank.getMessage().contains("expected ndim=3"), rank.getMessage());
        }
        try (STFTSpectrogram l = layer("{'frame_length': 4, 'window': [1, 2, 3]}"); Tensor in = Tensor.of(new float[8], 1, 8, 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.call(in));
            assertTrue(e.getMessage().contains("The shape of `window` must be equal to [frame_length]"), e.getMessage());
        }
    }

    /** A window kdnn cannot compute (SciPy's bohman) runs once its kernels are set, as a file sets them. */
    @Test
    void aWindowKdnnDoesNotMakeRunsOnTheKernelsSet() throws Exception {
        try (STFTSpectrogram l = layer("{'mode': 'real', 'frame_length': 4, 'frame_step': 4, 'window': 'bohman'}");
             Tensor in = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8, 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.call(in));
            assertTrue(e.getMessage().contains("set the layer's real_kernel and imag_kernel"), e.getMessage());
            // bin f of the kernel: sample f of the frame
            float[] kernel = new float[4 * 3];
            for (int f = 0; f < 3; f++) kernel[f * 3 + f] = 1;
            l.setWeights(List.of(new Weight("real_kernel", new int[] {4, 1, 3}, kernel)));
            try (Tensor out = l.call(in)) {
                assertArrayEquals(new float[] {1, 2, 3, 5, 6, 7}, out.toFloatArray());
            }
        }
    }
}
