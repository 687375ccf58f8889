package kdnn.reference;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * Keras 2 (tf-keras) definitions of the layers around convolutions, element by element in
 * float32 arithmetic as TensorFlow evaluates them (so NaN and infinities come out as in Keras):
 * the ReLU family, PReLU, Softmax, and the layers that only rearrange values.
 */
public final class ReferenceSurrounding {
    private ReferenceSurrounding() {
    }

    private static RefArray map(RefArray x, DoubleUnaryOperator f) {
        float[] out = new float[x.data().length];
        for (int i = 0; i < out.length; i++) out[i] = (float) f.applyAsDouble(x.data()[i]);
        return new RefArray(x.shape().clone(), out);
    }

    /** TensorFlow's relu: max(x, 0) that keeps NaN. */
    private static float relu(float v) {
        return Float.isNaN(v) ? v : Math.max(v, 0f);
    }

    /** tf-keras {@code backend.relu(x, alpha, max_value, threshold)} (ReLU; LeakyReLU with max null, threshold 0). */
    public static RefArray relu(RefArray x, Double maxValue, double slope, double threshold) {
        float alpha = (float) slope;
        float t = (float) threshold;
        return map(x, d -> {
            float v = (float) d;
            if (alpha != 0 && maxValue == null && t == 0) {
                return v > 0 ? v : v * alpha; // tf.nn.leaky_relu: a select, not a max
            }
            float negative = alpha != 0 ? relu(-v + t) : 0f;
            float y = t != 0 ? v * (v > t ? 1f : 0f) : relu(v);
            if (maxValue != null) {
                float m = (float) (double) maxValue;
                y = Float.isNaN(y) ? y : Math.min(Math.max(y, 0f), m);
            }
            return alpha != 0 ? y - alpha * negative : y;
        });
    }

    /** tf-keras {@code backend.elu}: tf.nn.elu, scaled by alpha where x is not positive. */
    public static RefArray elu(RefArray x, double alpha) {
        float a = (float) alpha;
        return map(x, d -> {
            float v = (float) d;
            float e = v < 0 ? (float) Math.expm1(v) : v;
            return a == 1f ? e : v > 0 ? e : a * e;
        });
    }

    /** Rescaling: {@code x * scale + offset}, the product rounded to float32 before the sum, as TensorFlow. */
    public static RefArray rescaling(RefArray x, double scale, double offset) {
        float s = (float) scale;
        float o = (float) offset;
        return map(x, d -> {
            float product = (float) d * s;
            return product + o;
        });
    }

    /** {@code x / y} rounded once in float32 (tf.math.truediv), y one value or one per position of the last axis. */
    public static RefArray trueDivide(RefArray x, double... y) {
        float[] out = new float[x.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = x.data()[i] / (float) y[y.length == 1 ? 0 : i % y.length];
        }
        return new RefArray(x.shape().clone(), out);
    }

    /** ThresholdedReLU: {@code x * (x > theta)}. */
    public static RefArray thresholdedRelu(RefArray x, double theta) {
        float t = (float) theta;
        return map(x, d -> (float) d * ((float) d > t ? 1f : 0f));
    }

    /** PReLU: {@code relu(x) - alpha * relu(-x)}, alpha of shape x.shape[1:] with 1 on shared axes. */
    public static RefArray prelu(RefArray x, RefArray alpha) {
        int[] shape = x.shape();
        float[] out = new float[x.data().length];
        if (out.length == 0) return new RefArray(shape.clone(), out);
        int[] idx = new int[shape.length];
        int[] a = new int[shape.length - 1];
        int i = 0;
        do {
            for (int d = 1; d < shape.length; d++) a[d - 1] = alpha.shape()[d - 1] == 1 ? 0 : idx[d];
            float v = x.data()[i];
            float w = alpha.data()[Shapes.offset(alpha.shape(), a)];
            out[i++] = relu(v) - w * relu(-v);
        } while (Shapes.next(idx, shape));
        return new RefArray(shape.clone(), out);
    }

    /**
     * Keras' Softmax layer over {@code axes} (resolved, in [0, rank)). One axis: tf.nn.softmax,
     * {@code exp(x - max) / sum}. Several ({@code logsumexp}): {@code exp(x - logsumexp(x))}, where
     * logsumexp shifts by the max only when it is finite and is rounded to float32 as Keras' is; the
     * rest in double, rounded at the end.
     */
    public static RefArray softmax(RefArray x, int[] axes, boolean logsumexp) {
        int[] shape = x.shape();
        boolean[] inGroup = new boolean[shape.length];
        for (int a : axes) inGroup[a] = true;
        float[] out = new float[x.data().length];
        if (out.length == 0) return new RefArray(shape.clone(), out);
        // group id of each element: its index with the softmax axes set to 0
        int[] idx = new int[shape.length];
        int[] key = new int[shape.length];
        int[] group = new int[out.length];
        int i = 0;
        do {
            for (int d = 0; d < shape.length; d++) key[d] = inGroup[d] ? 0 : idx[d];
            group[i++] = Shapes.offset(shape, key);
        } while (Shapes.next(idx, shape));
        double[] max = new double[out.length];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int j = 0; j < out.length; j++) {
            double v = x.data()[j];
            max[group[j]] = Double.isNaN(v) || Double.isNaN(max[group[j]]) ? Double.NaN : Math.max(max[group[j]], v);
        }
        double[] shift = new double[out.length];
        for (int g = 0; g < out.length; g++) {
            shift[g] = logsumexp && !Double.isFinite(max[g]) ? 0 : max[g];
        }
        double[] sum = new double[out.length];
        for (int j = 0; j < out.length; j++) sum[group[j]] += Math.exp(x.data()[j] - shift[group[j]]);
        for (int j = 0; j < out.length; j++) {
            int g = group[j];
            // Keras' logsumexp and the difference from it are float32 (rounded at the max's magnitude)
            float lse = (float) Math.log(sum[g]) + (float) shift[g];
            out[j] = (float) (logsumexp ? Math.exp(x.data()[j] - lse) : Math.exp(x.data()[j] - shift[g]) / sum[g]);
        }
        return new RefArray(shape.clone(), out);
    }

    /** Flatten: (batch, rest...) to (batch, product); channels_first moves axis 1 last first. */
    public static RefArray flatten(RefArray x, boolean channelsFirst) {
        RefArray y = channelsFirst && x.rank() > 2 ? Layouts.toChannelsLast(x) : x;
        int features = x.rank() == 1 ? 1 : (int) (Shapes.size(x.shape()) / x.shape()[0]);
        return new RefArray(new int[] {x.shape()[0], features}, y.data().clone());
    }

    /** Reshape to (batch, target...), one -1 inferred. */
    public static RefArray reshape(RefArray x, int[] target) {
        int[] shape = new int[target.length + 1];
        shape[0] = x.shape()[0];
        long known = 1;
        int unknown = -1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] < 0) unknown = i + 1; else known *= target[i];
            shape[i + 1] = target[i];
        }
        if (unknown >= 0) shape[unknown] = (int) (Shapes.size(x.shape()) / x.shape()[0] / known);
        return new RefArray(shape, x.data().clone());
    }

    /** Permute with Keras' 1-based {@code dims}. */
    public static RefArray permute(RefArray x, int[] dims) {
        int[] perm = new int[dims.length + 1];
        for (int i = 0; i < dims.length; i++) perm[i + 1] = dims[i];
        return Layouts.permute(x, perm);
    }

    /** RepeatVector: (batch, features) to (batch, n, features). */
    public static RefArray repeatVector(RefArray x, int n) {
        int batch = x.shape()[0];
        int features = x.shape()[1];
        float[] out = new float[batch * n * features];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < n; r++) {
                System.arraycopy(x.data(), b * features, out, (b * n + r) * features, features);
            }
        }
        return new RefArray(new int[] {batch, n, features}, out);
    }
}
