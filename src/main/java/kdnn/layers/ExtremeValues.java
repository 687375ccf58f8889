package kdnn.layers;

import java.util.Locale;

/**
 * How layers treat NaN, infinities and values near float32's end in their inputs. Process-wide
 * (the system property {@code kdnn.extremes}, {@code fused} or {@code keras}, sets it at start;
 * {@link #setMode} changes it), unless a model ({@code Model.setExtremes}) or a layer
 * ({@code Layer.setExtremes}) chose its own.
 *
 * <p>Both are Keras: measured with Keras 3.15.1 on TensorFlow 2.21 on x86, {@code model.predict}
 * of a Conv2D with relu (or followed by a ReLU layer, or a DepthwiseConv2D with relu6) on an input
 * holding NaN gives 0 where NaN meets the activation, from TensorFlow's own oneDNN fusion; eager
 * calls, JAX, and TensorFlow with {@code TF_ENABLE_ONEDNN_OPTS=0} give NaN.
 */
public enum ExtremeValues {
    /**
     * NaN propagates as in Keras' eager calls (relu(NaN) is NaN). Layers whose fused oneDNN
     * activation departs from that on such values (relu, relu6, hard_sigmoid, exponential, gelu,
     * softmax; bilinear upsampling) scan each input once, split over the threads a call uses.
     * Inside a model, stages whose input is bounded by the stage before skip the scan, and
     * merges write NaN back where an input held one.
     */
    KERAS,
    /**
     * oneDNN's fused activations as they are, without the scan (the default): what
     * {@code model.predict} of Keras on TensorFlow gives on x86, e.g. relu(NaN) is 0. Models may
     * also fuse a residual Add into the convolution before it.
     */
    FUSED;

    private static volatile ExtremeValues mode = parse(System.getProperty("kdnn.extremes", "fused"));

    /** The mode in force on this thread: that of the model or layer running, else the process-wide one. */
    public static ExtremeValues mode() {
        ExtremeValues own = kdnn.internal.ExtremesScope.current();
        return own != null ? own : mode;
    }

    /** The process-wide mode, whatever a model or layer running on this thread chose. */
    public static ExtremeValues processMode() {
        return mode;
    }

    /** Sets the process-wide mode (models and layers with their own keep theirs). */
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
