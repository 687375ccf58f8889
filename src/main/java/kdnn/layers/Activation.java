package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;
import kdnn.runtime.Attributes.Eltwise;

/**
 * Keras' activations and how oneDNN runs each: most fuse into the convolution as element-wise
 * post-ops; softmax and log_softmax are a separate primitive over the last axis of the returned
 * layout; softsign has no oneDNN form and runs as a Java loop over the output.
 */
public enum Activation {
    /** Keras' {@code linear}: the identity. */
    LINEAR("linear", List::of),
    // oneDNN's relu is max(x, 0) in vector form, which gives 0 for NaN; Keras gives NaN
    /** Keras' {@code relu}: max(x, 0). */
    RELU("relu", () -> List.of(new Eltwise(dnnl_eltwise_relu(), 0f, 0f)), v -> Math.max(v, 0)),
    /** Keras' {@code relu6}: min(max(x, 0), 6). */
    RELU6("relu6", () -> List.of(new Eltwise(dnnl_eltwise_clip_v2(), 0f, 6f)), v -> Math.min(Math.max(v, 0), 6)),
    /** Keras' {@code elu} with alpha 1. */
    ELU("elu", () -> List.of(new Eltwise(dnnl_eltwise_elu(), 1f, 0f))),
    // selu = scale * elu(x, alpha): two post-ops
    /** Keras' {@code selu}: scale * elu(x, alpha) with Keras' constants. */
    SELU("selu", () -> List.of(new Eltwise(dnnl_eltwise_elu(), 1.6732632423543772f, 0f),
            new Eltwise(dnnl_eltwise_linear(), 1.0507009873554805f, 0f))),
    /** Keras' {@code softplus}: log(1 + exp(x)). */
    SOFTPLUS("softplus", () -> List.of(new Eltwise(dnnl_eltwise_soft_relu(), 1f, 0f))),
    /** Keras' {@code softsign}: x / (1 + |x|). */
    SOFTSIGN("softsign", List::of),
    /** Keras' {@code tanh}. */
    TANH("tanh", () -> List.of(new Eltwise(dnnl_eltwise_tanh(), 0f, 0f))),
    /** Keras' {@code sigmoid}: 1 / (1 + exp(-x)). */
    SIGMOID("sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_logistic(), 0f, 0f))),
    // Keras 2: clip(0.2 x + 0.5, 0, 1)
    /** Keras 2's {@code hard_sigmoid}: clip(0.2 x + 0.5, 0, 1). */
    HARD_SIGMOID("hard_sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_hardsigmoid(), 0.2f, 0.5f)),
            v -> Math.min(Math.max(0.2 * v + 0.5, 0), 1)),
    // Keras 3: relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1); what "hard_sigmoid" means in a Keras 3 file
    /** Keras 3's {@code hard_sigmoid}: clip(x / 6 + 0.5, 0, 1), what the name means in a Keras 3 file. */
    HARD_SIGMOID_KERAS3("hard_sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_hardsigmoid(), 1f / 6, 0.5f)),
            v -> Math.min(Math.max(v / 6 + 0.5, 0), 1)),
    // oneDNN clamps the argument first, so exp(NaN) = Inf
    /** Keras' {@code exponential}: exp(x). */
    EXPONENTIAL("exponential", () -> List.of(new Eltwise(dnnl_eltwise_exp(), 0f, 0f)), Math::exp),
    /** Keras' {@code swish}: x * sigmoid(x). */
    SWISH("swish", () -> List.of(new Eltwise(dnnl_eltwise_swish(), 1f, 0f))),
    /** Keras' {@code silu}, the same function as swish. */
    SILU("silu", () -> List.of(new Eltwise(dnnl_eltwise_swish(), 1f, 0f))),
    // Keras' default gelu is the exact (erf) form; oneDNN's overflows to NaN from about 1.7e38 up.
    // Where the guard applies it, |x| > 2^100, erf(x / sqrt 2) is sign(x) in any precision.
    /** Keras' {@code gelu}, the exact (erf) form Keras uses by default. */
    GELU("gelu", () -> List.of(new Eltwise(dnnl_eltwise_gelu_erf(), 0f, 0f)), v -> 0.5 * v * (1 + Math.signum(v))),
    // Keras 3: x * relu6(x + 3) / 6 (MobileNetV3's); oneDNN's hardswish is x * clip(x / 6 + 0.5, 0, 1)
    /** Keras 3's {@code hard_silu}: x * relu6(x + 3) / 6. */
    HARD_SILU("hard_silu", () -> List.of(new Eltwise(dnnl_eltwise_hardswish(), 1f / 6, 0.5f))),
    /** Keras 3's {@code hard_swish}, the same function as hard_silu. */
    HARD_SWISH("hard_swish", () -> List.of(new Eltwise(dnnl_eltwise_hardswish(), 1f / 6, 0.5f))),
    /** Keras' {@code mish}: x * tanh(softplus(x)). */
    MISH("mish", () -> List.of(new Eltwise(dnnl_eltwise_mish(), 0f, 0f))),
    // tf.nn.leaky_relu(x, 0.2): x > 0 ? x : 0.2 x
    /** Keras' {@code leaky_relu} activation function: x for x &gt; 0, else 0.2 x. */
    LEAKY_RELU("leaky_relu", () -> List.of(new Eltwise(dnnl_eltwise_relu(), 0.2f, 0f))),
    /** Keras' {@code softmax} over the last axis. */
    SOFTMAX("softmax", List::of),
    /** Keras' {@code log_softmax} over the last axis. */
    LOG_SOFTMAX("log_softmax", List::of);

    private final String keras;
    private final Supplier<List<Eltwise>> postOps;
    private final DoubleUnaryOperator atExtremes;

    Activation(String keras, Supplier<List<Eltwise>> postOps) {
        this(keras, postOps, null);
    }

    Activation(String keras, Supplier<List<Eltwise>> postOps, DoubleUnaryOperator atExtremes) {
        this.keras = keras;
        this.postOps = postOps;
        this.atExtremes = atExtremes;
    }

    /**
     * True when the oneDNN form gives Keras' value for every input: NaN, the infinities and
     * values of any size too (checked for each activation by {@code ExtremeValuesTest}).
     * Relu, relu6, hard_sigmoid, exponential, gelu, softmax and log_softmax do not; {@link KerasExtremes}
     * restores Keras' values for them.
     */
    boolean fusedKeepsExtremes() {
        return atExtremes == null && !isSoftmax();
    }

    /**
     * True when the post-ops are the whole function: nothing runs after them (softmax, log_softmax
     * and softsign do), so a sum or a strided destination may follow them in the same primitive.
     */
    boolean onlyPostOps() {
        return !isSoftmax() && this != SOFTSIGN;
    }

    /** Softmax and log-softmax: not element-wise, they normalize vectors along Keras' last axis. */
    boolean isSoftmax() {
        return this == SOFTMAX || this == LOG_SOFTMAX;
    }

    /**
     * A bound on |activation(x)| for |x| at most {@code pre}. An unknown (NaN) or infinite
     * {@code pre} stays as it is: the input may then hold NaN, which every activation passes on.
     */
    double bound(double pre) {
        if (!(pre < Double.POSITIVE_INFINITY)) {
            return pre;
        }
        return switch (this) {
            // |x sigmoid(x)|, |x Phi(x)|, |x tanh(softplus(x))| and |x relu6(x + 3) / 6| are at most |x|
            case LINEAR, RELU, SWISH, SILU, HARD_SILU, HARD_SWISH, GELU, MISH, LEAKY_RELU -> pre;
            case RELU6 -> Math.min(pre, 6);
            case ELU -> Math.max(pre, 1);
            case SELU -> 1.0507009873554805 * Math.max(pre, 1.6732632423543772);
            case SOFTPLUS -> pre + Math.log(2); // softplus(x) <= max(x, 0) + ln 2
            case SOFTSIGN, TANH, SIGMOID, HARD_SIGMOID, HARD_SIGMOID_KERAS3, SOFTMAX -> 1;
            case EXPONENTIAL -> Math.exp(pre);
            // x - max - log(sum exp(x - max)), the sum between 1 and at most 2^63 terms
            case LOG_SOFTMAX -> 2 * pre + 44;
        };
    }

    /**
     * Keras' value for an element-wise activation of {@code v} when {@code v} is NaN, infinite
     * or larger in magnitude than {@link KerasExtremes#LIMIT} (only there: gelu's form is exact
     * only for such values).
     */
    double atExtreme(double v) {
        return atExtremes.applyAsDouble(v);
    }

    /** Keras' name of the activation, e.g. {@code "relu"}. */
    public String kerasName() {
        return keras;
    }

    /** The fused post-ops (empty for linear, softmax, log_softmax and softsign). */
    List<Eltwise> postOps() {
        return postOps.get();
    }

    /** Keras' name; null means linear, as in Keras. */
    public static Activation parse(String name) {
        if (name == null) {
            return LINEAR;
        }
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("hard_sigmoid") && Layers.readingVersion() == KerasVersion.KERAS_3) {
            return HARD_SIGMOID_KERAS3;
        }
        for (Activation a : values()) {
            if (a.keras.equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("Unknown activation function: '" + name + "'. Expected one of "
                + Arrays.stream(values()).map(Activation::kerasName).distinct().toList());
    }

    /** softsign(x) = x / (1 + |x|), in place over a float32 buffer. */
    static void softsign(MemorySegment data) {
        long n = data.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            float x = data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            data.setAtIndex(ValueLayout.JAVA_FLOAT, i, x / (1f + Math.abs(x)));
        }
    }
}
