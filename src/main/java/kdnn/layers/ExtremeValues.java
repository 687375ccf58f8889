package kdnn.layers;

import java.util.Locale;

/**
 * How layers treat NaN, infinities and values near float32's end in their inputs. Process-wide;
 * the system property {@code kdnn.extremes} ({@code keras} or {@code fused}) sets it at start.
 */
public enum ExtremeValues {
    /**
     * Keras' results always (the default). Layers whose fused oneDNN activation departs from Keras
     * on such values (relu, relu6, hard_sigmoid, exponential, gelu, softmax; bilinear upsampling)
     * scan each input once, about 8 us per MB on one core: 1-4% of a typical convolution, more for
     * memory-bound ones such as depthwise convolutions. Inside a model, stages whose input is
     * bounded by the stage before skip the scan.
     */
    KERAS,
    /**
     * oneDNN's fused activations as they are, without the scan: for callers whose inputs are known
     * to be finite. Then, for example, relu(NaN) is 0 where Keras gives NaN.
     */
    FUSED;

    private static volatile ExtremeValues mode = parse(System.getProperty("kdnn.extremes", "keras"));

    /** The mode in force (from {@code -Dkdnn.extremes=keras|fused} at start-up, else KERAS). */
    public static ExtremeValues mode() {
        return mode;
    }

    /** Sets the mode for calls from now on (a model plans again at its next prediction). */
    public static void setMode(ExtremeValues m) {
        mode = java.util.Objects.requireNonNull(m, "mode");
    }

    static ExtremeValues parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kdnn.extremes must be 'keras' or 'fused', got '" + s + "'", e);
        }
    }
}
