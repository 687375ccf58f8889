package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's MelSpectrogram against its computation written out in double from Keras' and
 * TensorFlow's definitions: the signal reflected by fft_length // 2 at both ends, frames times
 * TensorFlow's periodic window centred in the frame, the DFT, |X| ** mag_exp, the HTK filter bank,
 * decibels floored at the call's largest value less top_db; Keras' docstring shapes; refusals.
 */
class MelSpectrogramTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static MelSpectrogram layer(String config) throws Exception {
        return (MelSpectrogram) Layers.fromConfig(JSON.readTree(("{'class_name': 'MelSpectrogram', 'config': " + config
                + "}").replace('\'', '"')), KerasVersion.KERAS_3);
    }

    private static double hzToMel(double f) {
        return 1127.0 * Math.log(1 + f / 700.0);
    }

    /** Keras' output for a (batch, samples) signal, in double, as (batch, mels, frames). */
    private static double[] reference(JsonNode c, float[] x, int batch, int n) {
        int fft = c.get("fft_length").asInt();
        int stride = c.get("sequence_stride").asInt();
        int length = c.get("sequence_length").asInt();
        int mels = c.get("num_mel_bins").asInt();
        double rate = c.get("sampling_rate").asDouble();
        double lo = c.get("min_freq").asDouble();
        double hi = c.get("max_freq").asDouble();
        double magExp = c.get("mag_exp").asDouble();
        int bins = fft / 2 + 1;
        int frames = 1 + (n + 2 * (fft / 2) - fft) / stride;
        // the window: TensorFlow's periodic raised cosine (N - 1 for an odd length), centred in the frame
        double[] win = new double[fft];
        JsonNode w = c.get("window");
        int left = (fft - length) / 2;
        if (w.isNull()) java.util.Arrays.fill(win, 1); // no window: the whole frame, whatever sequence_length
        for (int i = 0; i < length && !w.isNull(); i++) {
            if (w.isArray()) win[left + i] = w.get(i).asDouble();
            else {
                double a = w.asText().equals("hann") ? 0.5 : 0.54;
                double d = length % 2 == 0 ? length : length - 1;
                win[left + i] = a - (1 - a) * Math.cos(2 * Math.PI * i / d);
            }
        }
        // the HTK filter bank, from the DC bin's row of zeros
        double[][] bank = new double[bins][mels];
        double lowMel = hzToMel(lo);
        double highMel = hzToMel(hi);
        for (int i = 1; i < bins; i++) {
            double mel = hzToMel(rate / 2 * i / (bins - 1));
            for (int m = 0; m < mels; m++) {
                double e0 = lowMel + (highMel - lowMel) * m / (mels + 1);
                double e1 = lowMel + (highMel - lowMel) * (m + 1) / (mels + 1);
                double e2 = lowMel + (highMel - lowMel) * (m + 2) / (mels + 1);
                bank[i][m] = Math.max(0, Math.min((mel - e0) / (e1 - e0), (e2 - mel) / (e2 - e1)));
            }
        }
        double[] out = new double[batch * mels * frames];
        for (int s = 0; s < batch; s++) {
            for (int t = 0; t < frames; t++) {
                double[] spec = new double[bins];
                for (int f = 0; f < bins; f++) {
                    double re = 0;
                    double im = 0;
                    for (int k = 0; k < fft; k++) {
                        int j = t * stride + k - fft / 2;
                        if (j < 0) j = -j;
                        if (j >= n) j = 2 * (n - 1) - j;
                        double v = x[s * n + j] * win[k];
                        double angle = 2 * Math.PI * ((long) f * k % fft) / fft;
                        re += v * Math.cos(angle);
                        im -= v * Math.sin(angle);
                    }
                    spec[f] = Math.pow(Math.sqrt(re * re + im * im), magExp);
                }
                for (int m = 0; m < mels; m++) {
                    double sum = 0;
                    for (int f = 0; f < bins; f++) sum += spec[f] * bank[f][m];
                    out[(s * mels + m) * frames + t] = sum;
                }
            }
        }
        if (c.get("power_to_db").asBoolean()) {
            double minPower = c.get("min_power").asDouble();
            double ref = 10 * Math.log10(Math.max(Math.abs(c.get("ref_power").asDouble()), minPower));
            double largest = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < out.length; i++) {
                out[i] = 10 * Math.log10(Math.max(out[i], minPower)) - ref;
                largest = Math.max(largest, out[i]);
            }
            for (int i = 0; i < out.length; i++) out[i] = Math.max(out[i], largest - c.get("top_db").asDouble());
        }
        return out;
    }

    @Test
    void matchesTheComputationWrittenOutInDouble() throws Exception {
        Random r = new Random(3);
        String[] windows = {"'hann'", "'hamming'", "null"};
        for (int i = 0; i < 24; i++) {
            int fft = new int[] {16, 25, 64, 100, 256}[r.nextInt(5)];
            int length = i % 4 == 3 ? fft - r.nextInt(fft / 2) : fft;
            int stride = 1 + r.nextInt(fft);
            boolean db = i % 2 == 0;
            String config = "{'fft_length': " + fft + ", 'sequence_stride': " + stride + ", 'sequence_length': " + length
                    + ", 'window': " + windows[r.nextInt(3)] + ", 'sampling_rate': " + (8000 + 1000 * r.nextInt(9))
                    + ", 'num_mel_bins': " + (4 + r.nextInt(30)) + ", 'min_freq': " + (20.0 + r.nextInt(100))
                    + ", 'max_freq': null, 'power_to_db': " + db + ", 'top_db': " + (40.0 + r.nextInt(60))
                    + ", 'mag_exp': " + (r.nextBoolean() ? "2.0" : "1.0") + ", 'min_power': 1e-10, 'ref_power': "
                    + (r.nextBoolean() ? "1.0" : "-0.5") + "}";
            int batch = 1 + r.nextInt(3);
            int n = fft / 2 + 1 + r.nextInt(600);
            float[] x = new float[batch * n];
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) (Math.sin(k * 0.05 * (1 + k % 3)) + 0.3 * r.nextGaussian());
            }
            try (MelSpectrogram l = layer(config); Tensor in = Tensor.of(x, batch, n); Tensor out = l.call(in)) {
                double[] want = reference(l.getConfig(), x, batch, n);
                float[] got = out.toFloatArray();
                assertEquals(want.length, got.length, config);
                double largest = 0;
                for (double v : want) largest = Math.max(largest, Math.abs(v));
                for (int k = 0; k < want.length; k++) {
                    // decibels to 0.05 dB (float32 sums near the floor), powers to 1e-5 of the largest
                    double tolerance = db ? 0.05 : 1e-5 * largest;
                    assertEquals(want[k], got[k], tolerance, config + " at " + k);
                }
                assertTrue(l.implementations(in.shape()).stream().noneMatch(s -> s.contains("ref")));
            }
        }
    }

    /** Keras' defaults (2048-sample frames, 128 bins, 80 dB) on a second of 16 kHz audio: within 0.05 dB. */
    @Test
    void kerasDefaultsOnASecondOfAudio() throws Exception {
        Random r = new Random(4);
        float[] x = new float[16000];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * k / 16000.0) + 0.1 * Math.sin(2 * Math.PI * 3000 * k / 16000.0)
                    + 0.01 * r.nextGaussian());
        }
        try (MelSpectrogram l = layer("{}"); Tensor in = Tensor.of(x, 1, 16000); Tensor out = l.call(in)) {
            double[] want = reference(l.getConfig(), x, 1, 16000);
            float[] got = out.toFloatArray();
            assertArrayEquals(new long[] {1, 128, 32}, out.shape());
            double worst = 0;
            for (int k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(want[k] - got[k]));
            assertTrue(worst <= 0.05, "worst difference " + worst + " dB");
        }
    }

    @Test
    void kerasDocstringShapesAndTheUnbatchedForm() throws Exception {
        try (MelSpectrogram a = layer("{'num_mel_bins': 64, 'sampling_rate': 8000, 'sequence_stride': 256, 'fft_length': 2048}");
             MelSpectrogram b = layer("{'num_mel_bins': 80, 'sampling_rate': 8000, 'sequence_stride': 128, 'fft_length': 2048}")) {
            assertArrayEquals(new long[] {64, 63}, a.computeOutputShape(new long[] {16000}));
            // the docstring prints (2, 80, 125); TensorFlow frames 1 + 16000 // 128 = 126 (as Keras' compute_output_shape)
            assertArrayEquals(new long[] {2, 80, 126}, b.computeOutputShape(new long[] {2, 16000}));
            assertEquals(8000 / 2, a.getConfig().get("max_freq").asInt());
            assertEquals(2048, a.getConfig().get("sequence_length").asInt());
            float[] x = new float[4000];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.1);
            try (Tensor one = Tensor.of(x, 4000); Tensor y = a.call(one); Tensor batched = Tensor.of(x, 1, 4000);
                 Tensor y2 = a.call(batched)) {
                assertArrayEquals(new long[] {64, 16}, y.shape());
                assertArrayEquals(y2.toFloatArray(), y.toFloatArray(), 0f);
            }
        }
    }

    /** The floor is the call's largest value less top_db: a quiet sample's floor comes from a loud one beside it. */
    @Test
    void theFloorSpansTheBatchAsKerasTakesIt() throws Exception {
        float[] loud = new float[1000];
        for (int i = 0; i < loud.length; i++) loud[i] = (float) Math.sin(i * 0.3) * 10;
        float[] both = new float[2000];
        System.arraycopy(loud, 0, both, 0, 1000);
        for (int i = 0; i < 1000; i++) both[1000 + i] = loud[i] * 1e-3f;
        try (MelSpectrogram l = layer("{'fft_length': 64, 'sequence_stride': 32, 'num_mel_bins': 8, 'top_db': 20.0}");
             Tensor quiet = Tensor.of(java.util.Arrays.copyOfRange(both, 1000, 2000), 1, 1000); Tensor pair = Tensor.of(both, 2, 1000);
             Tensor alone = l.call(quiet); Tensor together = l.call(pair)) {
            float[] a = alone.toFloatArray();
            float[] t = together.toFloatArray();
            float max = Float.NEGATIVE_INFINITY;
            for (float v : t) max = Math.max(max, v);
            for (int k = 0; k < a.length; k++) {
                // 60 dB quieter: beside the loud sample every value is its floor, max - 20 dB
                assertEquals(max - 20f, t[a.length + k], 1e-4f);
            }
            float aloneMax = Float.NEGATIVE_INFINITY;
            for (float v : a) aloneMax = Math.max(aloneMax, v);
            assertTrue(aloneMax < max - 50, aloneMax + " vs " + max);
        }
    }

    @Test
    void refusals() throws Exception {
        String[][] cases = {
                {"{'fft_length': 256, 'sequence_length': 512}", "`fft_length` must be greater than or equal to  `sequence_length`"},
                {"{'window': 'blackman'}", "If a string is passed to `window`, it must be one of `\"hann\"`, `\"hamming\"`"},
                {"{'fft_length': 4, 'window': [1, 2, 3]}", "The shape of `window` must be equal to [sequence_length]"},
                {"{'num_mel_bins': 0}", "num_mel_bins"},
                {"{'sequence_stride': 0}", "sequence_stride"},
                {"{'top_db': null}", "top_db"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        try (MelSpectrogram l = layer("{'fft_length': 64}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {1, 32}));
            assertTrue(e.getMessage().contains("reflect"), e.getMessage());
            var rank = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {1, 100, 1}));
            assertTrue(rank.getMessage().contains("ndim=3"), rank.getMessage());
        }
    }
}
