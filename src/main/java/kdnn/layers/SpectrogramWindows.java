package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * STFTSpectrogram's windows and its kernels' initial values, as Keras 3's {@code STFTInitializer}
 * makes them: SciPy's window (symmetric, or periodic), in float64 then float32; the DFT's cosines
 * (real) or sines (imaginary) of {@code -2 pi t f / n} in float32; times the window, divided by its
 * L2 norm ({@code density}) or its sum of magnitudes ({@code spectrum}).
 */
final class SpectrogramWindows {
    private SpectrogramWindows() {
    }

    // scipy.signal.get_window's names of windows that take no parameters, with their aliases
    private static final Set<String> SCIPY_NAMES = Set.of("barthann", "brthan", "bth", "bartlett", "bart", "brt",
            "blackman", "black", "blk", "blackmanharris", "blackharr", "bkh", "bohman", "bman", "bmn", "boxcar", "box",
            "ones", "rect", "rectangular", "cosine", "halfcosine", "exponential", "poisson", "flattop", "flat", "flt",
            "hamming", "hamm", "ham", "hann", "han", "lanczos", "sinc", "nuttall", "nutl", "nut", "parzen", "parz", "par",
            "taylor", "taylorwin", "triangle", "triang", "tri", "tukey", "tuk");

    // the cosine-sum windows kdnn computes: a_k of w = sum a_k cos(k x), x from -pi to pi
    private static double[] cosineTerms(String name) {
        return switch (name) {
            case "hann", "han" -> new double[] {0.5, 0.5};
            case "hamming", "hamm", "ham" -> new double[] {0.54, 0.46};
            case "blackman", "black", "blk" -> new double[] {0.42, 0.50, 0.08};
            case "boxcar", "box", "ones", "rect", "rectangular" -> new double[] {1};
            default -> null;
        };
    }

    /** Refuses a name SciPy's get_window does not know (Keras asks SciPy when the layer is made). */
    static void checkName(String name) {
        if (!SCIPY_NAMES.contains(name)) {
            throw new IllegalArgumentException("Unknown window type: window=" + name + " (scipy.signal.get_window's"
                    + " windows without parameters: " + new java.util.TreeSet<>(SCIPY_NAMES) + ")");
        }
    }

    /** SciPy's window of {@code m} samples, symmetric or periodic (one more sample, the last dropped), or null if kdnn cannot make it. */
    static double[] scipy(String name, int m, boolean periodic) {
        double[] a = cosineTerms(name);
        if (a == null) return null;
        if (m == 1) return new double[] {1};
        int n = periodic ? m + 1 : m;
        // numpy.linspace(-pi, pi, n): i * step + start, the last exactly pi
        double step = 2 * Math.PI / (n - 1);
        double[] w = new double[m];
        for (int i = 0; i < m; i++) {
            double x = i == n - 1 ? Math.PI : i * step - Math.PI;
            double sum = 0;
            for (int k = 0; k < a.length; k++) sum += a[k] * Math.cos(k * x);
            w[i] = sum;
        }
        return w;
    }

    /** The initializer of the real (cosine) or imaginary (sine) kernel of shape (frame length, 1, bins). */
    record Kernels(boolean real, JsonNode window, String scaling, boolean periodic) implements kdnn.keras.Initializer {
        @Override
        public float[] initialize(int[] shape) {
            int length = shape[0];
            int bins = shape[2];
            float[] win = null;
            float scale = 1f;
            if (window != null) {
                win = new float[length];
                if (window.isTextual()) {
                    double[] w = scipy(window.asText(), length, periodic);
                    if (w == null) {
                        throw new IllegalArgumentException("STFTSpectrogram's window \"" + window.asText() + "\" is"
                                + " SciPy's, which kdnn computes only for " + List.of("hann", "hamming", "blackman", "boxcar")
                                + " (and their aliases): set the layer's real_kernel and imag_kernel (a Keras file holds them)");
                    }
                    for (int i = 0; i < length; i++) win[i] = (float) w[i];
                } else {
                    if (window.size() != length) {
                        throw new IllegalArgumentException("The shape of `window` must be equal to [frame_length]."
                                + "Received: window shape=(" + window.size() + ",)");
                    }
                    for (int i = 0; i < length; i++) win[i] = (float) window.get(i).asDouble();
                }
                if ("density".equals(scaling)) {
                    double sum = 0;
                    for (float v : win) sum += (double) (v * v);
                    scale = (float) Math.sqrt((float) sum);
                } else if ("spectrum".equals(scaling)) {
                    double sum = 0;
                    for (float v : win) sum += Math.abs(v);
                    scale = (float) sum;
                }
            }
            // Keras' float32 steps: freq = f / ((bins - 1) * 2), args = (-2 * t) * freq * arccos(-1)
            float n = (float) ((bins - 1) * 2);
            float pi = (float) Math.acos(-1);
            float[] k = new float[length * bins];
            for (int t = 0; t < length; t++) {
                for (int f = 0; f < bins; f++) {
                    float freq = f / n;
                    float arg = (-2f * t) * freq * pi;
                    float v = (float) (real ? Math.cos(arg) : Math.sin(arg));
                    if (win != null) v = v * win[t] / scale;
                    k[t * bins + f] = v;
                }
            }
            return k;
        }

        @Override
        public ObjectNode toConfig() {
            ObjectNode c = JsonNodeFactory.instance.objectNode();
            c.put("class_name", "STFT");
            ObjectNode config = c.putObject("config");
            config.put("side", real ? "real" : "imag");
            if (window == null) config.putNull("window"); else config.set("window", window.deepCopy());
            config.put("periodic", periodic);
            if (scaling == null) config.putNull("scaling"); else config.put("scaling", scaling);
            return c;
        }
    }
}
