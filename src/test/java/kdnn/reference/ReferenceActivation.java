package kdnn.reference;

import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * Keras 2 activations by name, elementwise in double and rounded to float, except softmax,
 * which normalizes over the LAST axis of the array as given (Keras' default axis=-1; for a
 * channels_first tensor that is a spatial axis, exactly as Keras does it).
 */
public final class ReferenceActivation {
    private ReferenceActivation() {
    }

    // Keras' selu constants (Klambauer et al. 2017)
    private static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    private static final double SELU_SCALE = 1.0507009873554804934193349852946;

    public static RefArray apply(String name, RefArray x) {
        if (name == null) {
            throw new IllegalArgumentException("activation name must not be null");
        }
        String key = name.toLowerCase(Locale.ROOT);
        if (key.equals("softmax")) {
            return softmaxLastAxis(x, false);
        }
        if (key.equals("log_softmax")) {
            return softmaxLastAxis(x, true);
        }
        if (key.equals("sparsemax")) {
            return sparsemaxLastAxis(x);
        }
        DoubleUnaryOperator f = switch (key) {
            case "linear" -> v -> v;
            case "relu" -> v -> Math.max(v, 0.0);
            case "relu6" -> v -> Math.min(Math.max(v, 0.0), 6.0);
            case "leaky_relu" -> v -> v > 0 ? v : 0.2 * v; // Keras 2: tf.nn.leaky_relu, alpha 0.2
            case "elu" -> v -> v > 0 ? v : Math.expm1(v); // alpha = 1
            case "selu" -> v -> SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v));
            case "softplus" -> ReferenceActivation::softplus;
            case "softsign" -> v -> v / (1.0 + Math.abs(v));
            case "tanh" -> Math::tanh;
            case "sigmoid" -> ReferenceActivation::sigmoid;
            case "hard_sigmoid" -> v -> Math.min(Math.max(0.2 * v + 0.5, 0.0), 1.0); // Keras 2, not Keras 3's x/6+0.5
            case "exponential" -> Math::exp;
            case "swish", "silu" -> v -> v * sigmoid(v);
            case "hard_silu", "hard_swish" -> v -> v * (Math.min(Math.max(v + 3, 0.0), 6.0) / 6); // Keras 3
            case "mish" -> v -> v * Math.tanh(softplus(v));
            // erf form; Keras' approximate=True (tanh form) is never what a serialized layer names
            case "gelu" -> v -> 0.5 * v * (1.0 + erf(v / Math.sqrt(2.0)));
            // Keras 3's newer ones, with the arguments their names give (keras/src/backend/tensorflow/nn.py)
            case "celu" -> v -> Math.max(v, 0.0) + Math.expm1(Math.min(v, 0.0)); // alpha 1
            case "hard_tanh" -> v -> Math.min(Math.max(v, -1.0), 1.0);
            case "sparse_sigmoid" -> v -> v <= -1 ? 0.0 : v >= 1 ? 1.0 : 0.5 * (v + 1);
            case "log_sigmoid" -> v -> -softplus(-v);
            case "tanh_shrink" -> v -> v - Math.tanh(v);
            // tf.where on comparisons: NaN compares false and takes the zeros
            case "soft_shrink" -> v -> v > 0.5 ? v - 0.5 : v < -0.5 ? v + 0.5 : 0.0;
            case "hard_shrink" -> v -> Math.abs(v) > 0.5 ? v : 0.0;
            case "sparse_plus" -> v -> v <= -1 ? 0.0 : v < 1 ? 0.25 * (v + 1) * (v + 1) : v;
            // float32 throughout, as TensorFlow computes it: x * x is Inf from about 1.8e19
            case "squareplus" -> v -> {
                float single = (float) v;
                float square = single * single;
                return (single + (float) Math.sqrt(square + 4f)) / 2f;
            };

            default -> throw new IllegalArgumentException("unknown activation '" + name + "'");
        };
        float[] out = new float[x.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) f.applyAsDouble(x.data()[i]);
        }
        return new RefArray(x.shape().clone(), out);
    }

    private static double sigmoid(double v) {
        return 1.0 / (1.0 + Math.exp(-v));
    }

    /** log(1 + e^v) without overflow for large v. */
    private static double softplus(double v) {
        return Math.max(v, 0.0) + Math.log1p(Math.exp(-Math.abs(v)));
    }

    /**
     * erf by its Maclaurin series, which in double is accurate to about 1e-10 for |v| < 4;
     * beyond that erfc(4) ~ 1.5e-8 is below float32 resolution of the result, so erf = sign(v).
     */
    static double erf(double v) {
        double a = Math.abs(v);
        if (a >= 4.0) {
            return Math.signum(v);
        }
        // erf(v) = 2/sqrt(pi) * sum_n (-1)^n v^(2n+1) / (n! (2n+1))
        double term = v; // (-1)^n v^(2n+1) / n!
        double sum = v;
        for (int n = 1; n < 200; n++) {
            term *= -v * v / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) <= 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return 2.0 / Math.sqrt(Math.PI) * sum;
    }

    /**
     * Softmax over the last axis: each run of {@code shape[last]} consecutive values sums to 1.
     * {@code log}: its logarithm, {@code (x - max) - log(sum(exp(x - max)))}.
     */
    private static RefArray softmaxLastAxis(RefArray x, boolean log) {
        if (x.rank() == 0) {
            throw new IllegalArgumentException("softmax needs at least one axis");
        }
        int len = x.shape()[x.rank() - 1];
        float[] out = new float[x.data().length];
        for (int start = 0; start < out.length; start += len) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                max = Math.max(max, x.data()[start + j]);
            }
            double total = 0.0;
            for (int j = 0; j < len; j++) {
                total += Math.exp(x.data()[start + j] - max); // shifting by the max avoids overflow
            }
            for (int j = 0; j < len; j++) {
                double shifted = x.data()[start + j] - max;
                out[start + j] = (float) (log ? shifted - Math.log(total) : Math.exp(shifted) / total);
            }
        }
        return new RefArray(x.shape().clone(), out);
    }

    /**
     * Keras 3's sparsemax over the last axis, as its backends write it (each backend's nn.py):
     * z sorted descending, c its cumulative sums, r = 1..n; the support is where
     * {@code z_r - (c_r - 1) / r > 0}, k its size; tau = (sum of c over the support - 1) / k;
     * the result max(x - tau, 0), NaN where x or tau is. NaN sorts last, as in NumPy and JAX.
     */
    private static RefArray sparsemaxLastAxis(RefArray x) {
        int len = x.shape()[x.rank() - 1];
        float[] out = new float[x.data().length];
        for (int start = 0; start < out.length; start += len) {
            double[] z = new double[len];
            for (int j = 0; j < len; j++) z[j] = x.data()[start + j];
            double[] sorted = java.util.Arrays.stream(z).boxed()
                    .sorted((a, b) -> Double.isNaN(a) ? (Double.isNaN(b) ? 0 : 1) : Double.isNaN(b) ? -1 : Double.compare(b, a))
                    .mapToDouble(Double::doubleValue).toArray();
            // in float32, as Keras computes it: for huge values which ones join the support is rounding's call
            float c = 0;
            float sumOverSupport = 0;
            int k = 0;
            for (int r = 1; r <= len; r++) {
                c += (float) sorted[r - 1];
                if ((float) sorted[r - 1] - (c - 1f) / r > 0) {
                    sumOverSupport += c;
                    k++;
                }
            }
            float tau = (sumOverSupport - 1f) / k;
            for (int j = 0; j < len; j++) {
                out[start + j] = Math.max((float) z[j] - tau, 0f);
            }
        }
        return new RefArray(x.shape().clone(), out);
    }

    /** log(softmax) over the last axis: x - max - log(sum(exp(x - max))). */
    private static RefArray logSoftmaxLastAxis(RefArray x) {
        int len = x.shape()[x.rank() - 1];
        float[] out = new float[x.data().length];
        for (int start = 0; start < out.length; start += len) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
                max = Math.max(max, x.data()[start + j]);
            }
            double total = 0.0;
            for (int j = 0; j < len; j++) {
                total += Math.exp(x.data()[start + j] - max);
            }
            for (int j = 0; j < len; j++) {
                out[start + j] = (float) (x.data()[start + j] - max - Math.log(total));
            }
        }
        return new RefArray(x.shape().clone(), out);
    }
}
