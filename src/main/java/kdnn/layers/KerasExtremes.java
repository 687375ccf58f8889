package kdnn.layers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keras' results where a fused oneDNN activation departs from them: on NaN, the infinities and
 * values near the float32 range's end (relu(NaN) is 0 in oneDNN and NaN in Keras, exp(NaN) is
 * Inf, gelu(Inf) is NaN, softmax keeps a NaN to its own element).
 *
 * <p>Such values can reach an activation only when the input holds them, when the weights do,
 * or when finite values overflow. A call therefore bounds every pre-activation by
 * {@code max|x| * gain + max|bias|}, where the gain bounds what one output takes from the inputs,
 * and {@code max|x|} comes from a scan of the input (a vectorized pass, a few microseconds per
 * megabyte) unless a model's previous stage already bounds it. Below {@link #LIMIT} the fused
 * result is Keras' own. Otherwise the layer also computes its pre-activation and
 * {@link #patch} writes Keras' value wherever that is extreme. Immutable: made again whenever
 * the weights change.
 */
final class KerasExtremes {
    /** Pre-activations below this in magnitude meet no difference (gelu's form overflows near 2^127). */
    static final double LIMIT = 0x1p100;

    private final Activation activation;
    private final boolean channelsFirst;
    private final double gain;
    private final double biasMagnitude;

    /** Only the check, for layers that move values: gain 1, no bias. */
    static final KerasExtremes MOVES_VALUES = new KerasExtremes(Activation.LINEAR, DataFormat.CHANNELS_LAST, 1, 0);

    /** For a layer with this activation and data_format whose weights have this gain and largest |bias|. */
    KerasExtremes(Activation activation, DataFormat format, double gain, double biasMagnitude) {
        this.activation = activation;
        this.channelsFirst = format == DataFormat.CHANNELS_FIRST;
        this.gain = gain;
        this.biasMagnitude = biasMagnitude;
    }

    /**
     * True when inputs of at most this magnitude keep every pre-activation finite and below
     * {@link #LIMIT}, so the fused result is Keras' own. False for NaN (an unknown bound, an input
     * holding NaN, an infinite input times a zero gain, NaN weights), and for an input that bf16
     * rounding could take to infinity.
     */
    boolean safeFor(double maxMagnitude) {
        return maxMagnitude < LIMIT && preActivationBound(maxMagnitude) < LIMIT;
    }

    /**
     * A bound on |pre-activation| for inputs of at most this magnitude, widened for rounding:
     * summing K products in float can exceed the exact sum of their magnitudes by about K * 2^-24
     * of it, and bf16 rounds inputs and weights by up to 2^-8 each; 2^-5 covers them with room.
     * (Only "far below float32's end" matters: {@link #LIMIT} leaves a factor of 2^27.) NaN for NaN.
     */
    double preActivationBound(double maxMagnitude) {
        return (maxMagnitude * gain + biasMagnitude) * (1 + 0x1p-5);
    }

    /**
     * Writes Keras' values into {@code output}, the fused result of Keras shape {@code shape},
     * wherever the pre-activation {@code pre} (same layout) is extreme. Softmax and log-softmax work on whole
     * vectors along Keras' last axis: one NaN or +Inf makes every element NaN, as does a vector of
     * nothing but -Inf ({@code x - max(x)} is NaN there).
     *
     * @param channelsLastMemory true when a channels_first layer's output is stored channels-last
     *                           (inside a model), which puts Keras' last axis C elements apart
     */
    void patch(MemorySegment output, MemorySegment pre, long[] shape, boolean channelsLastMemory) {
        long n = output.byteSize() / Float.BYTES;
        if (activation.isSoftmax()) {
            int length = Math.toIntExact(shape[shape.length - 1]);
            long stride = channelsFirst && channelsLastMemory ? shape[1] : 1;
            for (long start = 0; start < n; start++) {
                if ((start / stride) % length == 0 && !softmaxDefined(pre, start, length, stride)) {
                    for (int j = 0; j < length; j++) {
                        output.setAtIndex(ValueLayout.JAVA_FLOAT, start + j * stride, Float.NaN);
                    }
                }
            }
            return;
        }
        for (long i = 0; i < n; i++) {
            float p = pre.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (!(Math.abs(p) < LIMIT)) {
                output.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) activation.atExtreme(p));
            }
        }
    }

    private static boolean softmaxDefined(MemorySegment pre, long start, int length, long stride) {
        boolean finiteSeen = false;
        for (int j = 0; j < length; j++) {
            float p = pre.getAtIndex(ValueLayout.JAVA_FLOAT, start + j * stride);
            if (Float.isNaN(p) || p == Float.POSITIVE_INFINITY) {
                return false;
            }
            finiteSeen |= p != Float.NEGATIVE_INFINITY;
        }
        return finiteSeen;
    }

    /** The largest |x| over a segment of float32 values; NaN when one is NaN. */
    static float maxMagnitude(MemorySegment values) {
        return kdnn.runtime.MagnitudeScan.maxMagnitudeOnCaller(values);
    }

    /**
     * The largest sum of |w| that one output draws on, for weights whose output index is
     * {@code i / stride % outputs} at flat position {@code i}: Keras' kernels {@code (k..., in, out)}
     * (stride 1), depthwise kernels {@code (k..., in, multiplier)} taken as {@code in * multiplier}
     * outputs (stride 1), Keras 2 transposed kernels {@code (k..., out, in)} (stride {@code in}).
     */
    static double gain(MemorySegment weights, long count, long outputs, long stride) {
        int n = Math.toIntExact(outputs);
        double[] sums = new double[n];
        // runs of `stride` weights share an output, and the outputs repeat every `outputs` runs:
        // walked in that order, no division per weight (a model plan computes this for every kernel)
        if (stride == 1) {
            for (long base = 0; base < count; base += n) {
                int m = (int) Math.min(n, count - base);
                for (int o = 0; o < m; o++) sums[o] += Math.abs(weights.getAtIndex(ValueLayout.JAVA_FLOAT, base + o));
            }
            return max(sums);
        }
        long i = 0;
        while (i < count) {
            for (int o = 0; o < n && i < count; o++) {
                long end = Math.min(count, i + stride);
                double sum = 0;
                for (; i < end; i++) sum += Math.abs(weights.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                sums[o] += sum;
            }
        }
        return max(sums);
    }

    private static double max(double[] values) {
        double m = 0;
        for (double v : values) {
            if (Double.isNaN(v)) return v;
            m = Math.max(m, v);
        }
        return m;
    }
}
